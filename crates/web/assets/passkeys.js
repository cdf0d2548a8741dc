// Passkeys (WebAuthn) in the browser: adding one on the profile page, signing in with one on
// the sign-in page, and using one as the second step on the /mfa page.
//
// Loaded as <script type="module" src="/assets/passkeys.js"> (the CSP allows no inline script).
// It wires whichever of these buttons the page has, by id:
//   #passkey-add    (profile)  with #passkey-name: POST /api/passkeys/register/{begin,finish}
//   #passkey-login  (sign-in)  data-next:          POST /api/passkeys/login/{begin,finish}
//   #passkey-mfa    (2nd step)                     POST /api/passkeys/mfa/{begin,finish}
// Each button carries data-csrf, sent as the X-CSRF-Token header. Progress and errors go to
// #passkey-status. Binary WebAuthn fields travel as base64url without padding, the JSON form
// webauthn-rs reads and writes.

const STATUS_ID = 'passkey-status';

// ---- base64url <-> ArrayBuffer ----

/** base64url (padding and the standard alphabet also accepted) to an ArrayBuffer. */
function fromB64url(text) {
  if (typeof text !== 'string') throw new TypeError('expected a base64url string');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** ArrayBuffer (or a view) to base64url without padding; null stays null. */
function toB64url(buffer) {
  if (buffer === null || buffer === undefined) return null;
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeDescriptors(list) {
  return Array.isArray(list) ? list.map((c) => ({ ...c, id: fromB64url(c.id) })) : list;
}

/** PublicKeyCredentialCreationOptions from the server's JSON. */
function creationOptions(json) {
  const o = { ...json };
  o.challenge = fromB64url(json.challenge);
  o.user = { ...json.user, id: fromB64url(json.user.id) };
  if (json.excludeCredentials) o.excludeCredentials = decodeDescriptors(json.excludeCredentials);
  return o;
}

/** PublicKeyCredentialRequestOptions from the server's JSON. */
function requestOptions(json) {
  const o = { ...json };
  o.challenge = fromB64url(json.challenge);
  if (json.allowCredentials) o.allowCredentials = decodeDescriptors(json.allowCredentials);
  return o;
}

function extensionResults(cred) {
  try {
    return cred.getClientExtensionResults() || {};
  } catch {
    return {};
  }
}

/** A new credential (from create) as the JSON the server reads. */
function registrationJson(cred) {
  return {
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: toB64url(cred.response.attestationObject),
      clientDataJSON: toB64url(cred.response.clientDataJSON),
    },
    extensions: extensionResults(cred),
  };
}

/** An assertion (from get) as the JSON the server reads. */
function assertionJson(cred) {
  return {
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: toB64url(cred.response.authenticatorData),
      clientDataJSON: toB64url(cred.response.clientDataJSON),
      signature: toB64url(cred.response.signature),
      userHandle: toB64url(cred.response.userHandle),
    },
    extensions: extensionResults(cred),
  };
}

// ---- talking to the server ----

class PasskeyError extends Error {}

/** POSTs JSON with the CSRF header; the parsed answer, or a PasskeyError with the server's words. */
async function post(path, csrf, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
  } catch {
    throw new PasskeyError('The server could not be reached. Check your connection and try again.');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status !== 200) {
    const said = data && typeof data.error === 'string' && data.error ? data.error : `The server answered ${res.status}.`;
    throw new PasskeyError(said);
  }
  if (!data || typeof data !== 'object') throw new PasskeyError('The server sent an answer this page does not understand.');
  return data;
}

/** What went wrong in navigator.credentials, in words for the person. */
function browserErrorText(e, creating) {
  switch (e && e.name) {
    case 'NotAllowedError':
      return 'The passkey request was cancelled or timed out.';
    case 'InvalidStateError':
      return creating ? 'This device already holds a passkey for your account.' : 'This passkey cannot be used here.';
    case 'SecurityError':
      return `The browser refused passkeys for this site: ${(e && e.message) || 'it needs HTTPS and a matching domain'}`;
    case 'NotSupportedError':
      return 'This device cannot create a passkey of the kind this site asks for.';
    case 'AbortError':
      return 'The passkey request was stopped.';
    default:
      return `The passkey did not work: ${(e && e.message) || e}`;
  }
}

async function browserCall(fn, creating) {
  try {
    const cred = await fn();
    if (!cred) throw new PasskeyError('No passkey was chosen.');
    return cred;
  } catch (e) {
    if (e instanceof PasskeyError) throw e;
    throw new PasskeyError(browserErrorText(e, creating));
  }
}

// ---- the page ----

function setStatus(text, isError) {
  const el = document.getElementById(STATUS_ID);
  if (!el) return;
  el.textContent = text;
  el.classList.toggle('error', !!isError);
  if (isError) el.dataset.state = 'error';
  else delete el.dataset.state;
}

/** Only a place on this origin; anything else goes to the start page. */
function sameOriginTarget(target) {
  try {
    const url = new URL(target, location.href);
    if (url.origin === location.origin) return url.href;
  } catch {
    /* fall through */
  }
  return '/';
}

/** Runs one flow from a button: disables it meanwhile, shows errors in the status line. */
function wire(button, flow) {
  let busy = false;
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    let keepDisabled = false;
    try {
      keepDisabled = (await flow(button)) === true;
    } catch (e) {
      setStatus(e instanceof PasskeyError ? e.message : `Something went wrong: ${(e && e.message) || e}`, true);
    } finally {
      busy = false;
      button.removeAttribute('aria-busy');
      if (!keepDisabled) button.disabled = false;
    }
  });
}

async function addPasskey(button) {
  const csrf = button.dataset.csrf || '';
  const nameInput = document.getElementById('passkey-name');
  const name = nameInput ? nameInput.value.trim() : '';
  setStatus('Starting…');
  const begin = await post('/api/passkeys/register/begin', csrf, {});
  if (!begin.publicKey) throw new PasskeyError('The server sent no passkey options.');
  setStatus('Follow your browser’s prompt to create the passkey…');
  const cred = await browserCall(() => navigator.credentials.create({ publicKey: creationOptions(begin.publicKey) }), true);
  setStatus('Saving the passkey…');
  await post('/api/passkeys/register/finish', csrf, { name, credential: registrationJson(cred) });
  setStatus('Passkey added.');
  location.reload();
  return true;
}

/** Sign-in and second step: begin, get an assertion, finish, go where the server says. */
function assertionFlow(base, extra) {
  return async (button) => {
    const csrf = button.dataset.csrf || '';
    setStatus('Starting…');
    const begin = await post(`${base}/begin`, csrf, {});
    if (!begin.publicKey) throw new PasskeyError('The server sent no passkey options.');
    setStatus('Follow your browser’s prompt to use your passkey…');
    const cred = await browserCall(() => navigator.credentials.get({ publicKey: requestOptions(begin.publicKey) }), false);
    setStatus('Checking the passkey…');
    const done = await post(`${base}/finish`, csrf, { ...extra(button), credential: assertionJson(cred) });
    setStatus('Signed in. Opening…');
    location.assign(sameOriginTarget(typeof done.redirect === 'string' ? done.redirect : '/'));
    return true;
  };
}

function init() {
  const buttons = [
    ['passkey-add', addPasskey],
    ['passkey-login', assertionFlow('/api/passkeys/login', (b) => ({ next: b.dataset.next ?? '/' }))],
    ['passkey-mfa', assertionFlow('/api/passkeys/mfa', () => ({}))],
  ]
    .map(([id, flow]) => [document.getElementById(id), flow])
    .filter(([el]) => el);
  if (buttons.length === 0) return;

  const supported =
    typeof window.PublicKeyCredential === 'function' &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === 'function' &&
    typeof navigator.credentials.get === 'function';
  if (!supported) {
    for (const [el] of buttons) el.disabled = true;
    setStatus('This browser does not support passkeys.', true);
    return;
  }
  for (const [el, flow] of buttons) wire(el, flow);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
