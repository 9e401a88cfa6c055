"""KafkaConsumer(topic, group_id=GROUP): join the group, consume until it has EXPECT records and then IDLE_MS pass
without another (so a duplicate would still show up), commit, leave. Waiting for a count rather than for silence alone
keeps a slow fetch on a loaded machine from ending the run early.

Prints one JSON object per line as things happen, so a test can act in between:
  {"event": "ready", "positions": {"0": 12, ...}}   partitions assigned and start positions resolved
  {"event": "record", "partition": 0, "offset": 12, "key": ..., "value": ...}
  {"event": "done", "committed": {"0": 15, ...}}    after the final commit, before close()

COMMIT is "auto" (enable_auto_commit=True; the final commit is the one close() makes, reported from the coordinator
after it) or "sync" (enable_auto_commit=False and one commit() after the last message).

usage: group_consume.py BOOTSTRAP TOPIC GROUP RESET IDLE_MS COMMIT EXPECT
  RESET: earliest | latest (auto_offset_reset, used only where the group has no committed offset)
  EXPECT: records to wait for (at most MAX_RUN_S seconds) before the idle time counts
"""
import json
import sys
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

MAX_RUN_S = 90


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def text(b):
    return None if b is None else b.decode('utf-8')


def main():
    bootstrap, topic, group, reset, idle_ms, commit, expect = sys.argv[1:8]
    idle_s = int(idle_ms) / 1000.0
    expect = int(expect)
    received = 0
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id='compat-group-consume',
        group_id=group,
        auto_offset_reset=reset,
        enable_auto_commit=(commit == 'auto'),
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    state = {'ready': False}

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            # Called inside poll() after the join, before any fetch: position() resolves the start offset now
            # (the committed offset, or the auto_offset_reset policy).
            if not state['ready'] and assigned:
                emit({'event': 'ready', 'positions': {str(tp.partition): consumer.position(tp) for tp in assigned}})
                state['ready'] = True

    consumer.subscribe([topic], listener=Listener())
    last = time.time()
    deadline = time.time() + MAX_RUN_S
    while time.time() < deadline:
        was_ready = state['ready']
        batch = consumer.poll(timeout_ms=200)
        if state['ready'] and not was_ready:
            last = time.time()
        for tp, messages in batch.items():
            for m in messages:
                emit({'event': 'record', 'partition': m.partition, 'offset': m.offset, 'key': text(m.key), 'value': text(m.value)})
                received += 1
            last = time.time()
        if state['ready'] and received >= expect and time.time() - last > idle_s:
            break
    if not state['ready']:
        sys.stderr.write('never got a partition assignment\n')
        sys.exit(1)
    partitions = sorted(consumer.assignment(), key=lambda tp: tp.partition)
    if commit == 'sync':
        consumer.commit()
    consumer.close()  # with enable_auto_commit this commits the consumed positions, then leaves the group
    check = KafkaConsumer(bootstrap_servers=bootstrap, client_id='compat-group-check', group_id=group, enable_auto_commit=False)
    committed = {str(tp.partition): check.committed(TopicPartition(topic, tp.partition)) for tp in partitions}
    check.close(autocommit=False)
    emit({'event': 'done', 'committed': committed})


if __name__ == '__main__':
    main()
