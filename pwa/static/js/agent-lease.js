// The lease an agent holds on the callback task their call screen has open
// (API.md: POST /callbacks/:id/claim leases or renews, /release gives back).
// No DOM here: the call screen (agent.js) draws what the lease says through
// the hooks it hands to start().
//
// A call can outlast the server's 15-minute lease: while the screen is open
// the same claim renews it every 10 minutes, again as soon as the network is
// back after a failed renewal, and when a phone wakes with little left.
// Leaving without an outcome gives the task back to the queue: through the
// app's router (leave), or by closing the tab (a keepalive request outlives
// the page). Someone else taking it meanwhile is a 409 like any other (gone).
import { api, ApiError, NetError, currentSession } from './api.js';
import { on } from './bus.js';

export const RENEW_EVERY_MS = 10 * 60000; // the server's lease is 15 minutes; renew well before it lapses

// claimTask leases one task picked from a list to this agent, or renews the
// lease the agent already holds on it.
export const claimTask = (id, opts) => api('POST', `/callbacks/${encodeURIComponent(id)}/claim`, opts);

const noHooks = { isOpen: () => true, paint() {}, lost() {}, failed() {} };

export class Lease {
  // task: the task as the server last answered (renewals update it in place);
  // me: this agent's username.
  constructor(task, me) {
    this.task = task;
    this.me = me;
    this.finished = false; // an outcome was recorded, or the task is gone: leaving must not release
    this.offline = false; // the last renewal could not reach the server
    this.hooks = noHooks;
    // What the screen may record, decided when it opens: calls under this
    // agent's lease only; a result also on a task closed as unreachable
    // (the customer called in), as the server allows.
    this.heldByOther = task.status === 'claimed' && !!task.lease_holder && task.lease_holder !== me;
    this.canAttempt = this.holds();
    this.canResult = this.holds() || task.status === 'unreachable';
  }

  holds() { return this.task.status === 'claimed' && this.task.lease_holder === this.me; }

  // start keeps the lease while the screen is open. hooks: isOpen() — the
  // screen is still shown; paint() — the lease changed (renewed, offline);
  // lost(err) — the server says the task is no longer ours; failed(err) — a
  // renewal was refused for another reason.
  start(hooks) {
    this.hooks = { ...noHooks, ...hooks };
    this.onHide = () => {
      const s = currentSession();
      if (this.finished || !this.holds() || !s?.access_token) return;
      fetch(`/api/v1/callbacks/${encodeURIComponent(this.task.id)}/release`, { method: 'POST', keepalive: true, headers: { Authorization: 'Bearer ' + s.access_token } }).catch(() => {});
    };
    addEventListener('pagehide', this.onHide);
    this.timer = setInterval(() => (this.hooks.isOpen() ? this.renew() : this.stop()), RENEW_EVERY_MS);
    this.offOnline = on('online', (ok) => { if (ok && this.offline) this.renew(); });
    this.onVisible = () => {
      if (document.visibilityState === 'visible' && this.holds() && Date.parse(this.task.lease_until) - Date.now() < RENEW_EVERY_MS / 2) this.renew();
    };
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop() {
    clearInterval(this.timer);
    this.offOnline?.();
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  // leave runs when the router leaves the screen: stop renewing and give
  // the task back unless an outcome was recorded.
  async leave() {
    removeEventListener('pagehide', this.onHide);
    this.stop();
    await this.release();
  }

  async release() {
    if (this.finished || !this.holds()) return;
    this.finished = true;
    try { await api('POST', `/callbacks/${encodeURIComponent(this.task.id)}/release`, { timeout: 5000 }); } catch { /* the lease runs out by itself in 15 minutes */ }
  }

  // finish: an outcome was recorded; leaving must not release.
  finish() { this.finished = true; }

  // gone: the server says the task is no longer this agent's to work (the
  // lease ran out and someone else took it, or it was closed meanwhile).
  // Nothing more can be recorded, and leaving must not release it.
  gone(e) {
    if (!(e instanceof ApiError) || e.status !== 409) return false;
    this.finished = true;
    this.hooks.lost(e);
    return true;
  }

  async renew() {
    if (this.finished || !this.holds() || !this.hooks.isOpen()) return;
    try {
      const r = await claimTask(this.task.id, { timeout: 15000 });
      Object.assign(this.task, { status: r.status, lease_holder: r.lease_holder, lease_until: r.lease_until });
      this.offline = false;
    } catch (e) {
      if (this.gone(e)) return;
      this.offline = e instanceof NetError;
      if (!this.offline) { this.hooks.failed(e); return; }
    }
    this.hooks.paint();
  }
}
