/**
 * The API's messages as TypeScript types, generated from proto/ferry/v1/jobs.proto (`make proto`).
 * `X` is what a sender may give (any int64 as number, string or Long); `X__Output` is what a receiver
 * reads: int64 as a number, every field possibly absent, as the transport hands requests to handlers
 * (only the fields that were sent) and as a proto3 answer leaves out fields at their default.
 */
import type { MethodDefinition } from '@grpc/proto-loader';
import type { BatchJobsDefinition } from './generated/ferry/v1/BatchJobs.js';

export type { Job, Job__Output } from './generated/ferry/v1/Job.js';
export type { JobSpec, JobSpec__Output } from './generated/ferry/v1/JobSpec.js';
export type { Progress__Output } from './generated/ferry/v1/Progress.js';
export type { DeletePhase__Output } from './generated/ferry/v1/DeletePhase.js';
export type { JobCheck__Output } from './generated/ferry/v1/JobCheck.js';
export type { FailedObject__Output } from './generated/ferry/v1/FailedObject.js';
export type { JobError__Output } from './generated/ferry/v1/JobError.js';
export type { HistoryEntry__Output } from './generated/ferry/v1/HistoryEntry.js';
export type { ListJobsResponse__Output } from './generated/ferry/v1/ListJobsResponse.js';
export type { DifferencesResponse__Output } from './generated/ferry/v1/DifferencesResponse.js';
export type { FailedObjectsResponse__Output } from './generated/ferry/v1/FailedObjectsResponse.js';
export type { JobErrorsResponse__Output } from './generated/ferry/v1/JobErrorsResponse.js';
export type { JobHistoryResponse__Output } from './generated/ferry/v1/JobHistoryResponse.js';
export type { NotificationsResponse__Output } from './generated/ferry/v1/NotificationsResponse.js';
export type { DeleteJobResponse__Output } from './generated/ferry/v1/DeleteJobResponse.js';
export type { KeyRotation__Output } from './generated/ferry/v1/KeyRotation.js';

/** Every RPC of ferry.v1.BatchJobs by name (grpc's ServiceDefinition index signature left out). */
type Methods = { [K in keyof BatchJobsDefinition as string extends K ? never : K]: BatchJobsDefinition[K] };
export type RpcName = keyof Methods;

/** A request to `R` as a client sends it. */
export type SentOf<R extends RpcName> = Methods[R] extends MethodDefinition<infer Sent, infer _Response, infer _Request, infer _Answer> ? Sent : never;
/** The request a handler of `R` receives. */
export type RequestOf<R extends RpcName> = Methods[R] extends MethodDefinition<infer _Sent, infer _Response, infer Request, infer _Answer> ? Request : never;
/** What a handler of `R` answers (or a stream of `R` emits). */
export type ResponseOf<R extends RpcName> = Methods[R] extends MethodDefinition<infer _Sent, infer Response, infer _Request, infer _Answer> ? Response : never;
/** An answer to `R` as a client reads it. */
export type AnswerOf<R extends RpcName> = Methods[R] extends MethodDefinition<infer _Sent, infer _Response, infer _Request, infer Answer> ? Answer : never;

/** The RPCs that answer with a stream of messages. */
export type StreamingRpc = 'WatchJob';
export type UnaryRpc = Exclude<RpcName, StreamingRpc>;
