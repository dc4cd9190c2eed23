/** The channel-neutral messages the engine reads and writes (defined in src/core/message.ts). */
export type { ChannelName, IncomingMessage, QuickReply, Reply, ReplyBlock } from '../core/message';
