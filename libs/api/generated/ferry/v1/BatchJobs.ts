// Original file: proto/ferry/v1/jobs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AsOfRequest as _ferry_v1_AsOfRequest, AsOfRequest__Output as _ferry_v1_AsOfRequest__Output } from '../../ferry/v1/AsOfRequest.js';
import type { CheckJobRequest as _ferry_v1_CheckJobRequest, CheckJobRequest__Output as _ferry_v1_CheckJobRequest__Output } from '../../ferry/v1/CheckJobRequest.js';
import type { DeleteJobResponse as _ferry_v1_DeleteJobResponse, DeleteJobResponse__Output as _ferry_v1_DeleteJobResponse__Output } from '../../ferry/v1/DeleteJobResponse.js';
import type { DifferencesRequest as _ferry_v1_DifferencesRequest, DifferencesRequest__Output as _ferry_v1_DifferencesRequest__Output } from '../../ferry/v1/DifferencesRequest.js';
import type { DifferencesResponse as _ferry_v1_DifferencesResponse, DifferencesResponse__Output as _ferry_v1_DifferencesResponse__Output } from '../../ferry/v1/DifferencesResponse.js';
import type { FailedObjectsResponse as _ferry_v1_FailedObjectsResponse, FailedObjectsResponse__Output as _ferry_v1_FailedObjectsResponse__Output } from '../../ferry/v1/FailedObjectsResponse.js';
import type { Identity as _ferry_v1_Identity, Identity__Output as _ferry_v1_Identity__Output } from '../../ferry/v1/Identity.js';
import type { IdentityRequest as _ferry_v1_IdentityRequest, IdentityRequest__Output as _ferry_v1_IdentityRequest__Output } from '../../ferry/v1/IdentityRequest.js';
import type { Job as _ferry_v1_Job, Job__Output as _ferry_v1_Job__Output } from '../../ferry/v1/Job.js';
import type { JobCheck as _ferry_v1_JobCheck, JobCheck__Output as _ferry_v1_JobCheck__Output } from '../../ferry/v1/JobCheck.js';
import type { JobErrorsResponse as _ferry_v1_JobErrorsResponse, JobErrorsResponse__Output as _ferry_v1_JobErrorsResponse__Output } from '../../ferry/v1/JobErrorsResponse.js';
import type { JobHistoryResponse as _ferry_v1_JobHistoryResponse, JobHistoryResponse__Output as _ferry_v1_JobHistoryResponse__Output } from '../../ferry/v1/JobHistoryResponse.js';
import type { JobRef as _ferry_v1_JobRef, JobRef__Output as _ferry_v1_JobRef__Output } from '../../ferry/v1/JobRef.js';
import type { JobSpec as _ferry_v1_JobSpec, JobSpec__Output as _ferry_v1_JobSpec__Output } from '../../ferry/v1/JobSpec.js';
import type { KeyRotation as _ferry_v1_KeyRotation, KeyRotation__Output as _ferry_v1_KeyRotation__Output } from '../../ferry/v1/KeyRotation.js';
import type { ListJobsRequest as _ferry_v1_ListJobsRequest, ListJobsRequest__Output as _ferry_v1_ListJobsRequest__Output } from '../../ferry/v1/ListJobsRequest.js';
import type { ListJobsResponse as _ferry_v1_ListJobsResponse, ListJobsResponse__Output as _ferry_v1_ListJobsResponse__Output } from '../../ferry/v1/ListJobsResponse.js';
import type { NotificationsResponse as _ferry_v1_NotificationsResponse, NotificationsResponse__Output as _ferry_v1_NotificationsResponse__Output } from '../../ferry/v1/NotificationsResponse.js';
import type { PageRequest as _ferry_v1_PageRequest, PageRequest__Output as _ferry_v1_PageRequest__Output } from '../../ferry/v1/PageRequest.js';
import type { RotateKeysRequest as _ferry_v1_RotateKeysRequest, RotateKeysRequest__Output as _ferry_v1_RotateKeysRequest__Output } from '../../ferry/v1/RotateKeysRequest.js';
import type { UpdateJobRequest as _ferry_v1_UpdateJobRequest, UpdateJobRequest__Output as _ferry_v1_UpdateJobRequest__Output } from '../../ferry/v1/UpdateJobRequest.js';

/**
 * Batch replication jobs. Every RPC carries a google.api.http annotation; the
 * REST shim builds its routes from these at start-up, so an annotated RPC is
 * reachable over HTTP with no hand-written handler. Field names are the spec's
 * snake_case JSON names.
 */
export interface BatchJobsClient extends grpc.Client {
  CancelJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Pre-flight check of both buckets, step by step: credentials, DNS, TCP, TLS, signature, bucket, list, and
   * with write_probe a zero-byte object written at the destination and deleted. Changes nothing else.
   */
  CheckJob(argument: _ferry_v1_CheckJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  CheckJob(argument: _ferry_v1_CheckJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  CheckJob(argument: _ferry_v1_CheckJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  CheckJob(argument: _ferry_v1_CheckJobRequest, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  /**
   * Pre-flight check of both buckets, step by step: credentials, DNS, TCP, TLS, signature, bucket, list, and
   * with write_probe a zero-byte object written at the destination and deleted. Changes nothing else.
   */
  checkJob(argument: _ferry_v1_CheckJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  checkJob(argument: _ferry_v1_CheckJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  checkJob(argument: _ferry_v1_CheckJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  checkJob(argument: _ferry_v1_CheckJobRequest, callback: grpc.requestCallback<_ferry_v1_JobCheck__Output>): grpc.ClientUnaryCall;
  
  CreateJob(argument: _ferry_v1_JobSpec, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CreateJob(argument: _ferry_v1_JobSpec, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CreateJob(argument: _ferry_v1_JobSpec, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  CreateJob(argument: _ferry_v1_JobSpec, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  createJob(argument: _ferry_v1_JobSpec, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  createJob(argument: _ferry_v1_JobSpec, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  createJob(argument: _ferry_v1_JobSpec, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  createJob(argument: _ferry_v1_JobSpec, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  DeleteJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  DeleteJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  DeleteJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  DeleteJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  deleteJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  deleteJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  deleteJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  deleteJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_DeleteJobResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The caller as the API sees it: its token's name and role, so a client (the web console) offers only what the
   * token may do. Any valid token may ask.
   */
  GetIdentity(argument: _ferry_v1_IdentityRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  GetIdentity(argument: _ferry_v1_IdentityRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  GetIdentity(argument: _ferry_v1_IdentityRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  GetIdentity(argument: _ferry_v1_IdentityRequest, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  /**
   * The caller as the API sees it: its token's name and role, so a client (the web console) offers only what the
   * token may do. Any valid token may ask.
   */
  getIdentity(argument: _ferry_v1_IdentityRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  getIdentity(argument: _ferry_v1_IdentityRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  getIdentity(argument: _ferry_v1_IdentityRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  getIdentity(argument: _ferry_v1_IdentityRequest, callback: grpc.requestCallback<_ferry_v1_Identity__Output>): grpc.ClientUnaryCall;
  
  /**
   * With `as_of` (a stream sequence or an RFC 3339 time): the job as it was then, folded from its log.
   */
  GetJob(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _ferry_v1_AsOfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _ferry_v1_AsOfRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * With `as_of` (a stream sequence or an RFC 3339 time): the job as it was then, folded from its log.
   */
  getJob(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _ferry_v1_AsOfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _ferry_v1_AsOfRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * The job as it was after the event at sequence `as_of`, or at RFC 3339 time `as_of`, folded from its log.
   */
  GetJobAsOf(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJobAsOf(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJobAsOf(argument: _ferry_v1_AsOfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJobAsOf(argument: _ferry_v1_AsOfRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * The job as it was after the event at sequence `as_of`, or at RFC 3339 time `as_of`, folded from its log.
   */
  getJobAsOf(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJobAsOf(argument: _ferry_v1_AsOfRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJobAsOf(argument: _ferry_v1_AsOfRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  getJobAsOf(argument: _ferry_v1_AsOfRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  GetJobHistory(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetJobHistory(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetJobHistory(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  GetJobHistory(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  getJobHistory(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  getJobHistory(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  getJobHistory(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  getJobHistory(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_JobHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * What a verify run found: its counts and, in key order and paginated, each key missing, differing or extra.
   * Kept after the run ended, as failed objects are. Without `run`, the job's latest verify run.
   */
  ListDifferences(argument: _ferry_v1_DifferencesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  ListDifferences(argument: _ferry_v1_DifferencesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  ListDifferences(argument: _ferry_v1_DifferencesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  ListDifferences(argument: _ferry_v1_DifferencesRequest, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What a verify run found: its counts and, in key order and paginated, each key missing, differing or extra.
   * Kept after the run ended, as failed objects are. Without `run`, the job's latest verify run.
   */
  listDifferences(argument: _ferry_v1_DifferencesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  listDifferences(argument: _ferry_v1_DifferencesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  listDifferences(argument: _ferry_v1_DifferencesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  listDifferences(argument: _ferry_v1_DifferencesRequest, callback: grpc.requestCallback<_ferry_v1_DifferencesResponse__Output>): grpc.ClientUnaryCall;
  
  ListFailedObjects(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedObjects(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedObjects(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  ListFailedObjects(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  listFailedObjects(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  listFailedObjects(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  listFailedObjects(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  listFailedObjects(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_FailedObjectsResponse__Output>): grpc.ClientUnaryCall;
  
  ListJobErrors(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  ListJobErrors(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  ListJobErrors(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  ListJobErrors(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  listJobErrors(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  listJobErrors(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  listJobErrors(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  listJobErrors(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_JobErrorsResponse__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _ferry_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _ferry_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _ferry_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _ferry_v1_ListJobsRequest, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _ferry_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _ferry_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _ferry_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _ferry_v1_ListJobsRequest, callback: grpc.requestCallback<_ferry_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Webhook deliveries of the job's notifications: attempts, last status code and error, final state.
   */
  ListNotifications(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  ListNotifications(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  ListNotifications(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  ListNotifications(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Webhook deliveries of the job's notifications: attempts, last status code and error, final state.
   */
  listNotifications(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  listNotifications(argument: _ferry_v1_PageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  listNotifications(argument: _ferry_v1_PageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  listNotifications(argument: _ferry_v1_PageRequest, callback: grpc.requestCallback<_ferry_v1_NotificationsResponse__Output>): grpc.ClientUnaryCall;
  
  PauseJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  PauseJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  PauseJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  PauseJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  pauseJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  pauseJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  pauseJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  pauseJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  ResumeJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  ResumeJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  ResumeJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  ResumeJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  resumeJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  resumeJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  resumeJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  resumeJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  RetryFailed(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  RetryFailed(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  RetryFailed(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  RetryFailed(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  retryFailed(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  retryFailed(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  retryFailed(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  retryFailed(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Re-seals every job's data key under the serving process's current master key (ferry.secret_key_current),
   * so older master keys can then be removed from the configuration. Resumable and safe to run twice: a data key
   * already under the current key is left alone, and each re-seal is a compare-and-set on the key's revision, so
   * a job deleted meanwhile stays deleted. Admin only.
   */
  RotateKeys(argument: _ferry_v1_RotateKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  RotateKeys(argument: _ferry_v1_RotateKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  RotateKeys(argument: _ferry_v1_RotateKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  RotateKeys(argument: _ferry_v1_RotateKeysRequest, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  /**
   * Re-seals every job's data key under the serving process's current master key (ferry.secret_key_current),
   * so older master keys can then be removed from the configuration. Resumable and safe to run twice: a data key
   * already under the current key is left alone, and each re-seal is a compare-and-set on the key's revision, so
   * a job deleted meanwhile stays deleted. Admin only.
   */
  rotateKeys(argument: _ferry_v1_RotateKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  rotateKeys(argument: _ferry_v1_RotateKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  rotateKeys(argument: _ferry_v1_RotateKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  rotateKeys(argument: _ferry_v1_RotateKeysRequest, callback: grpc.requestCallback<_ferry_v1_KeyRotation__Output>): grpc.ClientUnaryCall;
  
  StartJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  StartJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  StartJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  StartJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  startJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  startJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  startJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  startJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes run settings of a job, running or not; a running run's copiers follow within seconds. Recorded as JobUpdated.
   */
  UpdateJob(argument: _ferry_v1_UpdateJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  UpdateJob(argument: _ferry_v1_UpdateJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  UpdateJob(argument: _ferry_v1_UpdateJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  UpdateJob(argument: _ferry_v1_UpdateJobRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * Changes run settings of a job, running or not; a running run's copiers follow within seconds. Recorded as JobUpdated.
   */
  updateJob(argument: _ferry_v1_UpdateJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  updateJob(argument: _ferry_v1_UpdateJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  updateJob(argument: _ferry_v1_UpdateJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  updateJob(argument: _ferry_v1_UpdateJobRequest, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Compares source and destination over the job's selection without copying anything (like rclone check): starts a
   * run of kind "verify" that classifies each key as matched, missing (not at the destination), differing (per the
   * job's verify mode; size and ETag when it has none) or extra (at the destination under the job's prefix, absent at
   * the source). Refused (FAILED_PRECONDITION) while a run is active or queued. Paused, resumed and cancelled like a copy run.
   */
  VerifyJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  VerifyJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  VerifyJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  VerifyJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * Compares source and destination over the job's selection without copying anything (like rclone check): starts a
   * run of kind "verify" that classifies each key as matched, missing (not at the destination), differing (per the
   * job's verify mode; size and ETag when it has none) or extra (at the destination under the job's prefix, absent at
   * the source). Refused (FAILED_PRECONDITION) while a run is active or queued. Paused, resumed and cancelled like a copy run.
   */
  verifyJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  verifyJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  verifyJob(argument: _ferry_v1_JobRef, options: grpc.CallOptions, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  verifyJob(argument: _ferry_v1_JobRef, callback: grpc.requestCallback<_ferry_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Pushes the job each time its state or progress changes, until it ends.
   */
  WatchJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferry_v1_Job__Output>;
  WatchJob(argument: _ferry_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferry_v1_Job__Output>;
  /**
   * Pushes the job each time its state or progress changes, until it ends.
   */
  watchJob(argument: _ferry_v1_JobRef, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferry_v1_Job__Output>;
  watchJob(argument: _ferry_v1_JobRef, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferry_v1_Job__Output>;
  
}

/**
 * Batch replication jobs. Every RPC carries a google.api.http annotation; the
 * REST shim builds its routes from these at start-up, so an annotated RPC is
 * reachable over HTTP with no hand-written handler. Field names are the spec's
 * snake_case JSON names.
 */
export interface BatchJobsHandlers extends grpc.UntypedServiceImplementation {
  CancelJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  /**
   * Pre-flight check of both buckets, step by step: credentials, DNS, TCP, TLS, signature, bucket, list, and
   * with write_probe a zero-byte object written at the destination and deleted. Changes nothing else.
   */
  CheckJob: grpc.handleUnaryCall<_ferry_v1_CheckJobRequest__Output, _ferry_v1_JobCheck>;
  
  CreateJob: grpc.handleUnaryCall<_ferry_v1_JobSpec__Output, _ferry_v1_Job>;
  
  DeleteJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_DeleteJobResponse>;
  
  /**
   * The caller as the API sees it: its token's name and role, so a client (the web console) offers only what the
   * token may do. Any valid token may ask.
   */
  GetIdentity: grpc.handleUnaryCall<_ferry_v1_IdentityRequest__Output, _ferry_v1_Identity>;
  
  /**
   * With `as_of` (a stream sequence or an RFC 3339 time): the job as it was then, folded from its log.
   */
  GetJob: grpc.handleUnaryCall<_ferry_v1_AsOfRequest__Output, _ferry_v1_Job>;
  
  /**
   * The job as it was after the event at sequence `as_of`, or at RFC 3339 time `as_of`, folded from its log.
   */
  GetJobAsOf: grpc.handleUnaryCall<_ferry_v1_AsOfRequest__Output, _ferry_v1_Job>;
  
  GetJobHistory: grpc.handleUnaryCall<_ferry_v1_PageRequest__Output, _ferry_v1_JobHistoryResponse>;
  
  /**
   * What a verify run found: its counts and, in key order and paginated, each key missing, differing or extra.
   * Kept after the run ended, as failed objects are. Without `run`, the job's latest verify run.
   */
  ListDifferences: grpc.handleUnaryCall<_ferry_v1_DifferencesRequest__Output, _ferry_v1_DifferencesResponse>;
  
  ListFailedObjects: grpc.handleUnaryCall<_ferry_v1_PageRequest__Output, _ferry_v1_FailedObjectsResponse>;
  
  ListJobErrors: grpc.handleUnaryCall<_ferry_v1_PageRequest__Output, _ferry_v1_JobErrorsResponse>;
  
  ListJobs: grpc.handleUnaryCall<_ferry_v1_ListJobsRequest__Output, _ferry_v1_ListJobsResponse>;
  
  /**
   * Webhook deliveries of the job's notifications: attempts, last status code and error, final state.
   */
  ListNotifications: grpc.handleUnaryCall<_ferry_v1_PageRequest__Output, _ferry_v1_NotificationsResponse>;
  
  PauseJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  ResumeJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  RetryFailed: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  /**
   * Re-seals every job's data key under the serving process's current master key (ferry.secret_key_current),
   * so older master keys can then be removed from the configuration. Resumable and safe to run twice: a data key
   * already under the current key is left alone, and each re-seal is a compare-and-set on the key's revision, so
   * a job deleted meanwhile stays deleted. Admin only.
   */
  RotateKeys: grpc.handleUnaryCall<_ferry_v1_RotateKeysRequest__Output, _ferry_v1_KeyRotation>;
  
  StartJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  /**
   * Changes run settings of a job, running or not; a running run's copiers follow within seconds. Recorded as JobUpdated.
   */
  UpdateJob: grpc.handleUnaryCall<_ferry_v1_UpdateJobRequest__Output, _ferry_v1_Job>;
  
  /**
   * Compares source and destination over the job's selection without copying anything (like rclone check): starts a
   * run of kind "verify" that classifies each key as matched, missing (not at the destination), differing (per the
   * job's verify mode; size and ETag when it has none) or extra (at the destination under the job's prefix, absent at
   * the source). Refused (FAILED_PRECONDITION) while a run is active or queued. Paused, resumed and cancelled like a copy run.
   */
  VerifyJob: grpc.handleUnaryCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
  /**
   * Pushes the job each time its state or progress changes, until it ends.
   */
  WatchJob: grpc.handleServerStreamingCall<_ferry_v1_JobRef__Output, _ferry_v1_Job>;
  
}

export interface BatchJobsDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  CheckJob: MethodDefinition<_ferry_v1_CheckJobRequest, _ferry_v1_JobCheck, _ferry_v1_CheckJobRequest__Output, _ferry_v1_JobCheck__Output>
  CreateJob: MethodDefinition<_ferry_v1_JobSpec, _ferry_v1_Job, _ferry_v1_JobSpec__Output, _ferry_v1_Job__Output>
  DeleteJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_DeleteJobResponse, _ferry_v1_JobRef__Output, _ferry_v1_DeleteJobResponse__Output>
  GetIdentity: MethodDefinition<_ferry_v1_IdentityRequest, _ferry_v1_Identity, _ferry_v1_IdentityRequest__Output, _ferry_v1_Identity__Output>
  GetJob: MethodDefinition<_ferry_v1_AsOfRequest, _ferry_v1_Job, _ferry_v1_AsOfRequest__Output, _ferry_v1_Job__Output>
  GetJobAsOf: MethodDefinition<_ferry_v1_AsOfRequest, _ferry_v1_Job, _ferry_v1_AsOfRequest__Output, _ferry_v1_Job__Output>
  GetJobHistory: MethodDefinition<_ferry_v1_PageRequest, _ferry_v1_JobHistoryResponse, _ferry_v1_PageRequest__Output, _ferry_v1_JobHistoryResponse__Output>
  ListDifferences: MethodDefinition<_ferry_v1_DifferencesRequest, _ferry_v1_DifferencesResponse, _ferry_v1_DifferencesRequest__Output, _ferry_v1_DifferencesResponse__Output>
  ListFailedObjects: MethodDefinition<_ferry_v1_PageRequest, _ferry_v1_FailedObjectsResponse, _ferry_v1_PageRequest__Output, _ferry_v1_FailedObjectsResponse__Output>
  ListJobErrors: MethodDefinition<_ferry_v1_PageRequest, _ferry_v1_JobErrorsResponse, _ferry_v1_PageRequest__Output, _ferry_v1_JobErrorsResponse__Output>
  ListJobs: MethodDefinition<_ferry_v1_ListJobsRequest, _ferry_v1_ListJobsResponse, _ferry_v1_ListJobsRequest__Output, _ferry_v1_ListJobsResponse__Output>
  ListNotifications: MethodDefinition<_ferry_v1_PageRequest, _ferry_v1_NotificationsResponse, _ferry_v1_PageRequest__Output, _ferry_v1_NotificationsResponse__Output>
  PauseJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  ResumeJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  RetryFailed: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  RotateKeys: MethodDefinition<_ferry_v1_RotateKeysRequest, _ferry_v1_KeyRotation, _ferry_v1_RotateKeysRequest__Output, _ferry_v1_KeyRotation__Output>
  StartJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  UpdateJob: MethodDefinition<_ferry_v1_UpdateJobRequest, _ferry_v1_Job, _ferry_v1_UpdateJobRequest__Output, _ferry_v1_Job__Output>
  VerifyJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
  WatchJob: MethodDefinition<_ferry_v1_JobRef, _ferry_v1_Job, _ferry_v1_JobRef__Output, _ferry_v1_Job__Output>
}
