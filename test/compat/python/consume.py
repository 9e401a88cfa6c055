"""KafkaConsumer without a group (group_id=None): read TOPIC from the earliest offset until IDLE_MS pass without a
message, print every record as JSON.

usage: consume.py BOOTSTRAP TOPIC IDLE_MS
"""
import json
import sys

from kafka import KafkaConsumer


def text(b):
    return None if b is None else b.decode('utf-8')


def main():
    bootstrap, topic, idle_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        client_id='compat-consume',
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset='earliest',
        consumer_timeout_ms=idle_ms,
    )
    records = []
    for m in consumer:
        records.append({
            'topic': m.topic,
            'partition': m.partition,
            'offset': m.offset,
            'key': text(m.key),
            'value': text(m.value),
            'headers': [[k, text(v)] for k, v in m.headers],
        })
    consumer.close()
    print(json.dumps({'records': records}))


if __name__ == '__main__':
    main()
