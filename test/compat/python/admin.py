"""KafkaAdminClient: create a topic with partitions and configs, read its configs back, provoke the create errors,
delete it. Prints one JSON object describing each step's outcome.

usage: admin.py BOOTSTRAP TOPIC
"""
import json
import sys

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic


def attempt(fn):
    """The error class name, or None when the call succeeded."""
    try:
        fn()
        return None
    except Exception as e:  # the test asserts on the exact class name
        return type(e).__name__


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='compat-admin', request_timeout_ms=15000)
    out = {}
    configs = {'retention.ms': '3600000', 'max.message.bytes': '65536'}
    out['create'] = attempt(lambda: admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1, topic_configs=configs)]))
    out['partitions'] = sorted(admin.describe_topics([topic])[0]['partitions'], key=lambda p: p['partition'])
    out['partitions'] = [{'partition': p['partition'], 'leader': p['leader'], 'replicas': p['replicas']} for p in out['partitions']]
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])[0]
    # DescribeConfigs response: resources[] = (error_code, error_message, resource_type, resource_name, config_entries[])
    resource = described.resources[0]
    out['configErrorCode'] = resource[0]
    out['configs'] = {entry[0]: entry[1] for entry in resource[4]}
    out['createExisting'] = attempt(lambda: admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]))
    out['createRf2'] = attempt(lambda: admin.create_topics([NewTopic(topic + '-rf2', num_partitions=1, replication_factor=2)]))
    out['listedAfterCreate'] = topic in admin.list_topics()
    out['rf2Listed'] = (topic + '-rf2') in admin.list_topics()
    out['delete'] = attempt(lambda: admin.delete_topics([topic]))
    out['listedAfterDelete'] = topic in admin.list_topics()
    out['deleteMissing'] = attempt(lambda: admin.delete_topics([topic]))
    admin.close()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
