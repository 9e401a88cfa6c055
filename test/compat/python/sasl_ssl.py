"""kafka-python over SASL_SSL: produce COUNT messages to TOPIC, read them back with a group-less consumer, print JSON.

usage: sasl_ssl.py BOOTSTRAP MECHANISM USER PASSWORD CAFILE TOPIC COUNT
A login failure prints {"error": CLASS, "message": ...} (exit 0) so the test can check how it was refused.
"""
import json
import logging
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError


def main():
    bootstrap, mechanism, user, password, cafile, topic, count = sys.argv[1:8]
    count = int(count)
    auth = dict(
        bootstrap_servers=bootstrap,
        security_protocol='SASL_SSL',
        sasl_mechanism=mechanism,
        sasl_plain_username=user,
        sasl_plain_password=password,
        ssl_cafile=cafile,
        request_timeout_ms=15000,
    )
    # kafka-python reports a refused login in its log and then as NoBrokersAvailable: keep the log for the test.
    records = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logging.getLogger('kafka').addHandler(handler)
    logging.getLogger('kafka').setLevel(logging.WARNING)
    try:
        producer = KafkaProducer(acks='all', max_block_ms=15000, **auth)
        for i in range(count):
            producer.send(topic, key=('k%d' % i).encode(), value=('%s-%d' % (mechanism, i)).encode())
        producer.flush(timeout=30)
        producer.close()
        consumer = KafkaConsumer(consumer_timeout_ms=5000, **auth)
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        values = []
        for m in consumer:
            values.append(m.value.decode())
            if len(values) >= count:
                break
        consumer.close()
        print(json.dumps({'values': values}))
    except KafkaError as e:
        print(json.dumps({'error': type(e).__name__, 'message': str(e), 'log': records}))


if __name__ == '__main__':
    main()
