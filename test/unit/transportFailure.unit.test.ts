import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedResponse } from '../../libs/http1/malformedResponse.js';
import { isTransportFailure } from '../../libs/http1/transportFailure.js';

describe('isTransportFailure', () => {
  it('names socket, TLS, parser and abort failures', () => {
    assert.equal(isTransportFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true);
    assert.equal(isTransportFailure(Object.assign(new Error('wrong version number'), { code: 'EPROTO' })), true);
    assert.equal(isTransportFailure(new MalformedResponse('bare LF')), true);
    assert.equal(isTransportFailure(new DOMException('This operation was aborted', 'AbortError')), true);
  });

  it('leaves a bug to be thrown', () => {
    assert.equal(isTransportFailure(new TypeError('cannot read properties of undefined')), false);
    assert.equal(isTransportFailure(new Error('no code')), false);
    assert.equal(isTransportFailure('a string'), false);
  });
});
