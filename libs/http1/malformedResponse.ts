/**
 * A response node:http's parser (llhttp) would refuse, with a code like its errors so it is
 * classified the same way. The connection that carried it is closed, never reused.
 */
export class MalformedResponse extends Error {
  constructor(
    message: string,
    readonly code: 'HPE_INVALID_RESPONSE' | 'HPE_HEADER_OVERFLOW' | 'HPE_CHUNK_EXTENSIONS_OVERFLOW' = 'HPE_INVALID_RESPONSE',
  ) {
    super(message);
  }
}
