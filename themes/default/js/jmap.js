// SPDX-License-Identifier: GPL-2.0-or-later
// jmap.js - the webmail's only mail API: a small JMAP client (RFC 8620
// core, RFC 8621 mail) over the core's web session.  The session cookie
// is sent by the browser; every request carries the session's CSRF token
// in X-CSRF-Token.  No other mail endpoint exists for the browser.

export const CAP_CORE = 'urn:ietf:params:jmap:core';
export const CAP_MAIL = 'urn:ietf:params:jmap:mail';
export const CAP_SUBMISSION = 'urn:ietf:params:jmap:submission';
export const CAP_VACATION = 'urn:ietf:params:jmap:vacationresponse';

export class JmapError extends Error {
  constructor(type, description, detail) {
    super(description || type);
    this.type = type;
    this.detail = detail;
  }
}

export class Jmap {
  constructor(csrf) {
    this.csrf = csrf;
    this.session = null;
    this.accountId = null;
    this.onSessionEnd = null;
  }

  async connect() {
    const r = await fetch('/.well-known/jmap', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (r.status === 401) { this.ended(); throw new JmapError('unauthorized'); }
    if (!r.ok) throw new JmapError('serverUnavailable', `JMAP session: HTTP ${r.status}`);
    this.session = await r.json();
    this.accountId = this.session.primaryAccounts?.[CAP_MAIL] || Object.keys(this.session.accounts)[0];
    return this.session;
  }

  ended() { if (this.onSessionEnd) this.onSessionEnd(); }

  has(cap) { return !!this.session?.capabilities?.[cap]; }

  using() {
    return [CAP_CORE, CAP_MAIL, CAP_SUBMISSION, CAP_VACATION].filter((c) => this.has(c));
  }

  // calls: [[name, args, id], ...]; args get accountId unless they have one.
  // Returns {id: [name, result]} and throws on a request-level problem.
  async request(calls) {
    const methodCalls = calls.map(([name, args, id], i) => [name, { accountId: this.accountId, ...args }, id || `c${i}`]);
    const r = await fetch(this.session.apiUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': this.csrf },
      body: JSON.stringify({ using: this.using(), methodCalls }),
    });
    if (r.status === 401) { this.ended(); throw new JmapError('unauthorized'); }
    const body = await r.json().catch(() => null);
    if (!r.ok || !body) throw new JmapError(body?.type || 'serverFail', body?.detail || `HTTP ${r.status}`);
    // The first response of each call id; implicit calls (an
    // onSuccessUpdateEmail's Email/set) share their call's id and follow it.
    const out = {};
    for (const [name, result, id] of body.methodResponses) if (!(id in out)) out[id] = [name, result];
    return out;
  }

  // One call; its result, or a JmapError for a method-level "error".
  async call(name, args) {
    const res = await this.request([[name, args, 'one']]);
    const [rname, result] = res.one;
    if (rname === 'error') throw new JmapError(result.type, result.description, result);
    return result;
  }

  static check(res, id) {
    const [name, result] = res[id];
    if (name === 'error') throw new JmapError(result.type, result.description, result);
    return result;
  }

  downloadUrl(blobId, name, type) {
    return this.session.downloadUrl
      .replace('{accountId}', encodeURIComponent(this.accountId))
      .replace('{blobId}', encodeURIComponent(blobId))
      .replace('{name}', encodeURIComponent(name || 'attachment'))
      .replace('{type}', encodeURIComponent(type || 'application/octet-stream'));
  }

  // Upload with progress (XMLHttpRequest: fetch has no upload progress).
  upload(file, onProgress) {
    const url = this.session.uploadUrl.replace('{accountId}', encodeURIComponent(this.accountId));
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', url);
      x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      x.setRequestHeader('X-CSRF-Token', this.csrf);
      x.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(e.loaded / e.total);
      x.onload = () => {
        if (x.status === 401) this.ended();
        if (x.status >= 200 && x.status < 300) resolve(JSON.parse(x.responseText));
        else reject(new JmapError('uploadFailed', `HTTP ${x.status}`));
      };
      x.onerror = () => reject(new JmapError('uploadFailed', 'network'));
      x.send(file);
    });
  }

  // Push (RFC 8620 7.3): calls onChange(changed) with {accountId: {Type: state}}.
  listen(onChange) {
    if (!this.session.eventSourceUrl || typeof EventSource === 'undefined') return null;
    const url = this.session.eventSourceUrl
      .replace('{types}', '*').replace('{closeafter}', 'no').replace('{ping}', '60');
    const es = new EventSource(url, { withCredentials: true });
    es.addEventListener('state', (e) => {
      try { onChange(JSON.parse(e.data).changed || {}); } catch (err) { /* a bad event is ignored */ }
    });
    return es;
  }
}
