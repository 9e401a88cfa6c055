import { errorCode } from '../../protocol/errors.js';
import type { Encodable } from '../../protocol/schema.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/schemas/delete-topics.js';
import { defineApi } from '../api.js';

type TopicRes = Encodable<typeof DeleteTopicsResponse>['responses'][number];
const ZERO_ID = Buffer.alloc(16);

export const deleteTopics = defineApi({
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  async handle(ctx, req) {
    const { logs } = ctx;
    const wanted: { name: string | null; id: Buffer | null }[] =
      ctx.header.apiVersion >= 6 ? req.topics.map((t) => ({ name: t.name, id: t.topicId.equals(ZERO_ID) ? null : t.topicId })) : req.topicNames.map((name) => ({ name, id: null }));
    const responses: TopicRes[] = [];
    const { authorizer, session } = ctx;
    for (const w of wanted) {
      if (w.name !== null && !authorizer.authorize(session, 'DELETE', 'TOPIC', w.name)) {
        responses.push({ name: w.name, topicId: w.id ?? ZERO_ID, errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED'), errorMessage: `${session.principal} may not delete topic ${w.name}` });
        continue;
      }
      let topic = w.name !== null ? logs.getTopic(w.name) : logs.listTopics().find((t) => w.id !== null && t.id.equals(w.id));
      // By id, as Kafka: a topic the client may not describe is unknown to it; one it may describe needs DELETE.
      if (topic && w.name === null && !authorizer.authorize(session, 'DESCRIBE', 'TOPIC', topic.name)) topic = undefined;
      if (topic && w.name === null && !authorizer.authorize(session, 'DELETE', 'TOPIC', topic.name)) {
        responses.push({ name: topic.name, topicId: topic.id, errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED'), errorMessage: `${session.principal} may not delete topic ${topic.name}` });
        continue;
      }
      if (!topic || (w.id && !topic.id.equals(w.id))) {
        const byId = w.name === null;
        responses.push({ name: w.name, topicId: w.id ?? ZERO_ID, errorCode: errorCode(byId ? 'UNKNOWN_TOPIC_ID' : 'UNKNOWN_TOPIC_OR_PARTITION'), errorMessage: `topic ${w.name ?? w.id?.toString('hex')} does not exist` });
        continue;
      }
      await ctx.topics.deleteTopic(topic.name);
      responses.push({ name: topic.name, topicId: topic.id, errorCode: 0, errorMessage: null });
    }
    return { throttleTimeMs: 0, responses };
  },
});
