"""kafka-python against Tributary's ACLs over SASL_PLAINTEXT (SCRAM-SHA-256); prints one JSON object.

usage: acls.py produce BOOTSTRAP USER PASSWORD TOPIC   -> {"ok": true} or {"error": CLASS}
       acls.py group BOOTSTRAP USER PASSWORD TOPIC GROUP -> {"values": [...]} or {"error": CLASS}
       acls.py admin BOOTSTRAP USER PASSWORD           -> what KafkaAdminClient's create/describe/delete_acls returned
"""
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourcePatternFilter, ResourceType
from kafka.errors import KafkaError


def auth(bootstrap, user, password):
    return dict(
        bootstrap_servers=bootstrap,
        security_protocol='SASL_PLAINTEXT',
        sasl_mechanism='SCRAM-SHA-256',
        sasl_plain_username=user,
        sasl_plain_password=password,
        request_timeout_ms=15000,
    )


def produce(a, topic):
    producer = KafkaProducer(acks='all', max_block_ms=15000, retries=0, **a)
    try:
        producer.send(topic, b'refused?').get(timeout=30)
        return {'ok': True}
    finally:
        producer.close(timeout=5)


def group(a, topic, group_id):
    consumer = KafkaConsumer(topic, group_id=group_id, auto_offset_reset='earliest', consumer_timeout_ms=8000, **a)
    try:
        return {'values': [m.value.decode() for m in consumer]}
    finally:
        consumer.close()


def describe(admin, principal):
    acls, error = admin.describe_acls(ACLFilter(
        principal=principal, host='*', operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
    return {
        'error': type(error).__name__ if error.errno != 0 else None,
        'acls': sorted('%s %s %s %s %s %s' % (x.principal, x.permission_type.name, x.operation.name, x.resource_pattern.resource_type.name,
                                               x.resource_pattern.pattern_type.name, x.resource_pattern.resource_name) for x in acls),
    }


def admin_calls(a):
    admin = KafkaAdminClient(**a)
    try:
        out = {}
        created = admin.create_acls([
            ACL('User:dave', '*', ACLOperation.READ, ACLPermissionType.ALLOW, ResourcePattern(ResourceType.TOPIC, 'metrics-', ACLResourcePatternType.PREFIXED)),
            ACL('User:dave', '*', ACLOperation.READ, ACLPermissionType.ALLOW, ResourcePattern(ResourceType.GROUP, 'dashboards', ACLResourcePatternType.LITERAL)),
        ])
        out['created'] = len(created['succeeded'])
        out['createFailed'] = [type(e).__name__ for _, e in created['failed']]
        out['described'] = describe(admin, 'User:dave')
        deleted = admin.delete_acls([ACLFilter(
            principal='User:dave', host='*', operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.GROUP, None, ACLResourcePatternType.ANY))])
        out['deleted'] = [[type(err).__name__ if err.errno != 0 else None, len(matches)] for _, matches, err in deleted]
        out['after'] = describe(admin, 'User:dave')
        return out
    finally:
        admin.close()


def main():
    mode, bootstrap, user, password = sys.argv[1:5]
    a = auth(bootstrap, user, password)
    try:
        if mode == 'produce':
            result = produce(a, sys.argv[5])
        elif mode == 'group':
            result = group(a, sys.argv[5], sys.argv[6])
        else:
            result = admin_calls(a)
    except KafkaError as e:
        result = {'error': type(e).__name__, 'message': str(e)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
