export { setDefaultCaBundle, tlsCheckOptions, type EndpointTls } from './endpointTls.js';
export { setSocketTimeoutMs } from './http1Client.js';
