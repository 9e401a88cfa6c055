"""KafkaProducer: send COUNT keyed messages with headers at the given acks, flush, print each RecordMetadata as JSON.

usage: produce.py BOOTSTRAP TOPIC ACKS(0|1|all) COUNT
"""
import json
import sys

from kafka import KafkaProducer


def main():
    bootstrap, topic, acks_arg, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    acks = acks_arg if acks_arg == 'all' else int(acks_arg)
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id='compat-produce-acks-%s' % acks_arg,
        acks=acks,
        retries=0,
        linger_ms=5,
        request_timeout_ms=15000,
        max_block_ms=15000,
    )
    futures = []
    for i in range(count):
        key = ('key-%06d' % i).encode()
        value = ('value-%06d-acks-%s' % (i, acks_arg)).encode()
        futures.append(producer.send(topic, key=key, value=value, headers=[('src', b'kafka-python'), ('seq', str(i).encode())]))
    producer.flush(timeout=30)
    results = []
    for f in futures:
        md = f.get(timeout=30)
        results.append({'topic': md.topic, 'partition': md.partition, 'offset': md.offset})
    producer.close(timeout=10)
    print(json.dumps({'acks': acks_arg, 'results': results}))


if __name__ == '__main__':
    main()
