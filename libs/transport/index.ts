export type { CallContext, Role, ServiceHandlers, StreamHandler, TokenConfig, UnaryHandler } from './types.js';
export { READ_ONLY_METHODS, isReadOnlyMethod } from './readOnlyMethods.js';
export { loadFerryProto, type FerryProto, type MethodRoute, type RpcInfo } from './loadProto.js';
export { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer, type UnaryInProcess } from './grpcServer.js';
export { startHttpGateway, type ExtraRoute, type HttpGatewayOptions, type RunningHttpGateway } from './httpGateway.js';
export { httpStatusFor, grpcStatusFor, statusName, toGrpcError, ERROR_DETAILS_KEY } from './statusMapping.js';
export { ApiCertificates, type ApiTlsFiles, type RenewalListener } from './apiCertificates.js';
