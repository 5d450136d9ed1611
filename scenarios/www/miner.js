// minerlab browser page: Coinhive-style WebSocket client driving Web
// Workers (worker.js).  Lab-only: it connects back to the host that served
// the page, or, served over https by the lab web host, to the page's own
// lab pool name (window.mlPool), and nowhere else.
'use strict';

(function () {
    const q = new URLSearchParams(location.search);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    let throttle = clamp(parseFloat(q.get('throttle') || '0'), 0, 0.99);
    const threads = clamp(parseInt(q.get('threads') || '1', 10) || 1, 1, 16);
    // The site key is the page's (miner.html), as compromised sites embed it.
    const user = window.mlSiteKey || q.get('user') || 'minerlab-browser';
    const ramp = (q.get('ramp') || '').split(':').map(Number); // duty % from:to:s
    const state = { hashes: 0, accepted: 0, rejected: 0, job: null, ws: null };
    const statusEl = document.getElementById('status');
    const workers = [];
    const started = Date.now();
    const MAX_RETRIES = 5; // then the page gives up: nothing hashes for no one
    let retries = 0;

    function show(msg) {
        statusEl.textContent = msg + '\nthrottle=' + throttle.toFixed(2) +
            ' threads=' + threads + ' hashes=' + state.hashes +
            ' accepted=' + state.accepted + ' rejected=' + state.rejected;
    }

    function send(type, params) {
        if (state.ws && state.ws.readyState === WebSocket.OPEN)
            state.ws.send(JSON.stringify({ type: type, params: params }));
    }

    function broadcast() {
        if (!state.job) return;
        workers.forEach((w, i) => w.postMessage({
            cmd: 'job', job: state.job, throttle: throttle, index: i, count: threads,
        }));
    }

    // The ramp raises the duty (1 - throttle) linearly, like a page that
    // starts gentle and grows greedy.
    function tickRamp() {
        if (ramp.length !== 3 || ramp.some(isNaN) || ramp[2] <= 0) return;
        const t = clamp((Date.now() - started) / 1000 / ramp[2], 0, 1);
        const duty = ramp[0] + (ramp[1] - ramp[0]) * t;
        const next = clamp(1 - duty / 100, 0, 0.99);
        if (Math.abs(next - throttle) >= 0.01) {
            throttle = next;
            workers.forEach((w) => w.postMessage({ cmd: 'throttle', throttle: throttle }));
        }
    }

    function onMessage(ev) {
        let m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        const p = m.params || {};
        switch (m.type) {
        case 'authed': show('authed'); break;
        case 'job': state.job = p; broadcast(); show('job ' + p.job_id); break;
        case 'hash_accepted': state.accepted++; show('accepted'); break;
        case 'error': state.rejected++; show('error: ' + (p.error || JSON.stringify(p))); break;
        default: break;
        }
    }

    function connect() {
        const url = location.protocol === 'https:' && window.mlPool ? window.mlPool
            : 'ws://' + location.host + '/';
        const ws = new WebSocket(url);
        state.ws = ws;
        ws.onopen = () => {
            retries = 0;
            send('auth', { site_key: user, type: 'anonymous', user: null, goal: 0 });
            show('connected');
        };
        ws.onmessage = onMessage;
        ws.onclose = () => {
            // Workers stop with the socket: no job, no hashing.
            state.job = null;
            workers.forEach((w) => w.postMessage({ cmd: 'stop' }));
            if (++retries > MAX_RETRIES) { show('closed, giving up'); return; }
            show('closed, retrying');
            setTimeout(connect, 2000);
        };
        ws.onerror = () => { show('socket error'); };
    }

    for (let i = 0; i < threads; i++) {
        const w = new Worker('worker.js');
        w.onmessage = (ev) => {
            const r = ev.data;
            if (r.type === 'hashes') state.hashes += r.count;
            else if (r.type === 'share')
                send('submit', { job_id: r.job_id, nonce: r.nonce, result: r.result });
        };
        workers.push(w);
    }
    tickRamp();
    setInterval(tickRamp, 1000);
    setInterval(() => show(state.ws && state.ws.readyState === 1 ? 'mining' : 'waiting'), 2000);
    connect();
})();
