import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ChannelLogLevel, describeError, effectiveTrace } from '../../src/log';

describe('effectiveTrace', () => {
  it('follows the output channel log level', () => {
    assert.equal(effectiveTrace(ChannelLogLevel.Trace, 'off'), 'verbose');
    assert.equal(effectiveTrace(ChannelLogLevel.Debug, 'off'), 'messages');
    assert.equal(effectiveTrace(ChannelLogLevel.Info, 'off'), 'off');
    assert.equal(effectiveTrace(ChannelLogLevel.Off, 'off'), 'off');
  });

  it('uses trace.server when it is more verbose', () => {
    assert.equal(effectiveTrace(ChannelLogLevel.Info, 'verbose'), 'verbose');
    assert.equal(effectiveTrace(ChannelLogLevel.Debug, 'verbose'), 'verbose');
    assert.equal(effectiveTrace(ChannelLogLevel.Trace, 'messages'), 'verbose');
  });

  it('describes errors with their stack', () => {
    assert.match(describeError(new Error('x')), /Error: x\n\s+at /);
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError({ a: 1 }), '{"a":1}');
  });
});
