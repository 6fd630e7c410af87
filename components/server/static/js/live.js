// Shared WebSocket client of the display and tablet pages (see docs/protocol.md).

/** The screen id: the last segment of the page path. */
export function screenId() {
  const seg = location.pathname.split('/').filter(Boolean);
  try {
    return decodeURIComponent(seg[seg.length - 1] || '');
  } catch {
    return seg[seg.length - 1] || '';
  }
}

/**
 * Whether this page is a preview of the working copy (`/preview/display/1`): it then
 * talks to the preview's sessions, never to a live screen, and says so on the page.
 */
export const PREVIEW = location.pathname.startsWith('/preview/');
if (PREVIEW) document.documentElement.dataset.preview = 'true';

/** The close code of a revoked (or reassigned) device's connection. */
const CLOSE_REVOKED = 4001;
const MIN_DELAY = 250;
const MAX_DELAY = 1000;
const REFUSED_DELAY = 10000;

/**
 * How long to wait before reconnect attempt `attempt` (0 after a connection was lost):
 * 250 ms doubling to a cap of 1 s, half of it random ("equal jitter"), so a hall's pages
 * do not retry in lockstep. The cap is what keeps "screens are back within 2 s of the
 * server" true: a returning server is tried within a second, plus the handshake. A page
 * retrying once a second costs a server that is down nothing (a refused connection), and
 * one that is up a handshake per page, spread over that second.
 */
export function retryDelay(attempt, random = Math.random) {
  const d = Math.min(MIN_DELAY * 2 ** Math.max(0, attempt), MAX_DELAY);
  return d / 2 + random() * (d / 2);
}

/**
 * Connects and keeps reconnecting.
 * opts: { role, screen, key, onState(state), onRemoved(msg), onError(err), onAck(ack), onConn(status, info), probe }
 * onAck gets `{type:"ack", ref, seq}`: the command `ref` was taken and changed nothing.
 * onRemoved gets the `removed` message: the published hall has no such screen (a later
 * version may bring it back; a `state` follows then).
 * status is 'connecting' (first attempt), 'open' or 'closed' (lost or refused; retrying).
 * info.refused is true when the server answers HTTP but refused the socket (probe only).
 */
export function connect(opts) {
  const { role, screen, key, onState, onRemoved, onError, onAck, onConn, probe } = opts;
  let ws = null;
  let timer = 0;
  let attempt = 0;
  let lastSeq = -Infinity;
  let fresh = false;
  let nextId = 0;
  let status = '';

  const p = new URLSearchParams({ role });
  if (key) p.set('key', key);
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/${PREVIEW ? 'preview/' : ''}${encodeURIComponent(screen)}?${p}`;

  function setStatus(s, info = {}) {
    status = s;
    if (onConn) onConn(s, info);
  }

  function open() {
    clearTimeout(timer);
    timer = 0;
    if (status !== 'closed') setStatus('connecting');
    let sock;
    try {
      sock = new WebSocket(url);
    } catch {
      fail(false);
      return;
    }
    ws = sock;
    let opened = false;
    sock.onopen = () => {
      if (sock !== ws) return;
      opened = true;
      attempt = 0;
      fresh = true; // a restarted server counts seq from 1 again
      setStatus('open');
    };
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!m || typeof m !== 'object') return;
      if (m.type === 'state' || m.type === 'removed') {
        // One sequence for both: a screen's messages are ordered by `seq`.
        const seq = Number(m.seq);
        if (!fresh && !(seq > lastSeq)) return;
        fresh = false;
        lastSeq = seq;
        if (m.type === 'state') {
          if (onState) onState(m);
        } else if (onRemoved) onRemoved(m);
      } else if (m.type === 'error') {
        if (onError) onError(m);
      } else if (m.type === 'ack') {
        if (onAck) onAck(m);
      } else if (m.type === 'reload') {
        // An admin asked for it (the devices page).
        location.reload();
      }
    };
    sock.onclose = (ev) => {
      if (sock !== ws) return;
      if (ev.code === CLOSE_REVOKED) {
        // This device was revoked or moved: the page starts again (and pairs anew).
        location.reload();
        return;
      }
      ws = null;
      fail(opened);
    };
  }

  async function fail(wasOpen) {
    timer = setTimeout(open, retryDelay(attempt++));
    let refused = false;
    if (probe && !wasOpen) {
      // The page's server answers but the socket failed: most likely a wrong key.
      try {
        const r = await fetch('/healthz', { cache: 'no-store' });
        refused = r.ok;
      } catch {
        refused = false;
      }
      if (ws) return; // already reconnected meanwhile
      if (refused) {
        // Not an outage: no point asking every second.
        clearTimeout(timer);
        timer = setTimeout(open, REFUSED_DELAY * (0.5 + Math.random() * 0.5));
      }
    }
    setStatus('closed', { refused });
  }

  function now() {
    if (ws || !timer) return;
    attempt = 0;
    open();
  }
  // A tablet waking up or getting its network back retries at once.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') now();
  });
  window.addEventListener('online', now);

  open();

  return {
    /** Sends a command with a fresh id; returns the sent object, or null when offline. */
    send(cmd) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return null;
      const msg = { ...cmd, id: ++nextId };
      ws.send(JSON.stringify(msg));
      return msg;
    },
    status: () => status,
    /**
     * Drops the socket as if the network had and connects anew at once: for a channel
     * whose server stopped answering (its closing handshake could wait a minute for a
     * close that never comes).
     */
    reconnect() {
      const sock = ws;
      if (!sock) return;
      ws = null; // its events are ignored from now on
      sock.close(1000);
      attempt = 0;
      setStatus('connecting');
      open();
    },
  };
}
