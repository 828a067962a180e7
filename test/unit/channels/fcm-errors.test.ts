import { classifyFcmFailure, mapFcmError, scrubFcmText } from '../../../src/channels/fcm-errors';
import { PermanentError, RetriableError } from '../../../src/shared/errors';

/** The shape firebase-admin's errors have: `code` (`messaging/…`, `app/…`) and `message`. */
const sdkError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('FCM error classification', () => {
  it('treats unregistered and malformed tokens as dead, whatever code the SDK gave the latter', () => {
    expect(classifyFcmFailure(sdkError('messaging/registration-token-not-registered', 'Requested entity was not found.'))).toEqual({ kind: 'unregistered' });
    expect(classifyFcmFailure(sdkError('messaging/invalid-registration-token', 'Invalid registration.'))).toEqual({ kind: 'unregistered' });
    expect(classifyFcmFailure(sdkError('messaging/invalid-argument', 'The registration token is not a valid FCM registration token'))).toEqual({
      kind: 'unregistered',
    });
    const payload = classifyFcmFailure(sdkError('messaging/invalid-argument', 'Request contains an invalid argument.'));
    expect(payload).toMatchObject({ kind: 'error', error: { code: 'fcm_invalid_message', retriable: false } });
  });

  it('blames the token for SenderId mismatch only, and herald for any other PERMISSION_DENIED', () => {
    expect(classifyFcmFailure(sdkError('messaging/mismatched-credential', 'SenderId mismatch'))).toEqual({ kind: 'sender_mismatch' });
    const iam = classifyFcmFailure(sdkError('messaging/mismatched-credential', "Permission 'cloudmessaging.messages.create' denied on resource"));
    expect(iam).toMatchObject({ kind: 'error', error: { code: 'fcm_permission_denied', retriable: false } });
  });

  it.each([
    ['messaging/message-rate-exceeded', 'rate_limited'],
    ['messaging/device-message-rate-exceeded', 'rate_limited'],
    ['messaging/server-unavailable', 'fcm_unavailable'],
    ['messaging/internal-error', 'fcm_unavailable'],
    ['messaging/unknown-error', 'fcm_unavailable'],
    ['app/network-error', 'provider_unreachable'],
    ['app/network-timeout', 'provider_unreachable'],
  ])('%s is retriable (%s)', (code, expected) => {
    const error = mapFcmError(sdkError(code, 'boom'));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe(expected);
  });

  it('tells an unreachable Google OAuth2 (retriable) from a refused key (permanent)', () => {
    const unreachable =
      'failed to fetch a valid Google OAuth2 access token with the following error: "request to https://oauth2.googleapis.com/token failed, reason: ' +
      'getaddrinfo EAI_AGAIN oauth2.googleapis.com".';
    expect(mapFcmError(sdkError('app/invalid-credential', unreachable))).toMatchObject({ code: 'fcm_auth_unavailable', retriable: true });
    const refused = mapFcmError(
      sdkError(
        'app/invalid-credential',
        'failed to fetch a valid Google OAuth2 access token with the following error: "invalid_grant: Invalid JWT Signature."',
      ),
    );
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused).toMatchObject({ code: 'fcm_invalid_credential' });
    expect(refused.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
  });

  it('names the fix for a missing project id and for APNs / web push auth', () => {
    const noProject = 'Failed to determine project ID for Messaging. Initialize the SDK with service account credentials or set project ID as an app option.';
    expect(mapFcmError(sdkError('messaging/invalid-argument', noProject))).toMatchObject({ code: 'fcm_no_project' });
    expect(mapFcmError(sdkError('messaging/invalid-argument', noProject)).message).toMatch(/GOOGLE_CLOUD_PROJECT/);
    expect(mapFcmError(sdkError('messaging/third-party-auth-error', 'Auth error from APNS or Web Push Service')).message).toMatch(/APNs key/);
  });

  it('keeps tokens, titles and texts out of error messages', () => {
    const token = `dXk${'Q'.repeat(150)}`;
    const error = mapFcmError(sdkError('messaging/invalid-argument', `bad value "Your code is 4242" for ${token}`), [token, 'Your code is 4242']);
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain('4242');
    expect(scrubFcmText(`unknown ${'x'.repeat(64)}`, [])).toBe('unknown [token]');
    expect(scrubFcmText('y'.repeat(500), []).length).toBeLessThan(320);
  });
});
