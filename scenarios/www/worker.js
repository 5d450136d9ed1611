// minerlab synthetic hashing worker.  RandomX cannot be computed correctly
// in JavaScript (no control of the floating-point rounding mode), so the
// page hashes SHA-256(blob with the 4-byte little-endian nonce at byte 39)
// and submits when the little-endian uint64 at digest bytes 24..31 is below
// the job's target; the pool's browser lane checks the same thing.
'use strict';

const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const H = new Uint32Array(8);

// SHA-256 of msg (Uint8Array) into out (Uint8Array(32)); padded is scratch
// space of the padded length.
function sha256(msg, padded, out) {
    const len = msg.length;
    padded.fill(0);
    padded.set(msg);
    padded[len] = 0x80;
    const bits = len * 8;
    const n = padded.length;
    padded[n - 4] = bits >>> 24; padded[n - 3] = bits >>> 16;
    padded[n - 2] = bits >>> 8; padded[n - 1] = bits;
    H.set([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    for (let off = 0; off < n; off += 64) {
        for (let i = 0; i < 16; i++) {
            const j = off + i * 4;
            W[i] = (padded[j] << 24) | (padded[j + 1] << 16) | (padded[j + 2] << 8) | padded[j + 3];
        }
        for (let i = 16; i < 64; i++) {
            const a = W[i - 15], b = W[i - 2];
            const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
            const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
            W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
        }
        let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
        for (let i = 0; i < 64; i++) {
            const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
            const ch = (e & f) ^ (~e & g);
            const t1 = (h + S1 + ch + K[i] + W[i]) | 0;
            const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
            const mj = (a & b) ^ (a & c) ^ (b & c);
            const t2 = (S0 + mj) | 0;
            h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
        }
        H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    for (let i = 0; i < 8; i++) {
        out[i * 4] = H[i] >>> 24; out[i * 4 + 1] = H[i] >>> 16;
        out[i * 4 + 2] = H[i] >>> 8; out[i * 4 + 3] = H[i];
    }
}

function hexToBytes(hex) {
    const b = new Uint8Array(hex.length >> 1);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.substr(i * 2, 2), 16);
    return b;
}

function bytesToHex(b) {
    let s = '';
    for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
}

// The 64-bit target as [hi32, lo32]: 8 hex = 4-byte LE t32 meaning
// T = 0xFFFFFFFFFFFFFFFF / (0xFFFFFFFF / t32); 16 hex = LE uint64 T.
function parseTarget(hex) {
    const b = hexToBytes(hex);
    let T;
    if (b.length === 4) {
        const t32 = BigInt(b[0] | (b[1] << 8) | (b[2] << 16)) + (BigInt(b[3]) << 24n);
        if (t32 === 0n) return [0, 0];
        T = 0xFFFFFFFFFFFFFFFFn / (0xFFFFFFFFn / t32);
    } else {
        T = 0n;
        for (let i = 7; i >= 0; i--) T = (T << 8n) | BigInt(b[i] || 0);
    }
    if (T > 0xFFFFFFFFFFFFFFFFn) T = 0xFFFFFFFFFFFFFFFFn;
    return [Number(T >> 32n), Number(T & 0xFFFFFFFFn)];
}

let job = null, blob = null, padded = null, target = [0, 0];
let nonce = 0, throttle = 0, running = false, hashes = 0;
const digest = new Uint8Array(32);
const SLICE_MS = 50;

function below(d) {
    const hi = (d[28] | (d[29] << 8) | (d[30] << 16) | (d[31] << 24)) >>> 0;
    if (hi !== target[0]) return hi < target[0];
    const lo = (d[24] | (d[25] << 8) | (d[26] << 16) | (d[27] << 24)) >>> 0;
    return lo < target[1];
}

// Hashes for one time slice, then sleeps throttle/(1-throttle) of it.
function slice() {
    if (!job) { running = false; return; }
    const t0 = performance.now();
    let n = 0;
    do {
        for (let k = 0; k < 64; k++, n++) {
            blob[39] = nonce & 0xff; blob[40] = (nonce >>> 8) & 0xff;
            blob[41] = (nonce >>> 16) & 0xff; blob[42] = (nonce >>> 24) & 0xff;
            sha256(blob, padded, digest);
            if (below(digest)) {
                postMessage({
                    type: 'share', job_id: job.job_id,
                    nonce: bytesToHex(blob.subarray(39, 43)), result: bytesToHex(digest),
                });
            }
            nonce = (nonce + 1) >>> 0;
        }
    } while (performance.now() - t0 < SLICE_MS);
    hashes += n;
    postMessage({ type: 'hashes', count: n });
    const busy = performance.now() - t0;
    setTimeout(slice, throttle > 0 ? busy * throttle / (1 - throttle) : 0);
}

onmessage = (ev) => {
    const m = ev.data;
    if (m.cmd === 'throttle') { throttle = m.throttle; return; }
    if (m.cmd === 'stop') { job = null; return; } // the socket closed: no work
    if (m.cmd !== 'job') return;
    throttle = m.throttle;
    job = m.job;
    blob = hexToBytes(job.blob);
    if (blob.length < 43) { job = null; return; }
    padded = new Uint8Array(Math.ceil((blob.length + 9) / 64) * 64);
    target = parseTarget(job.target || 'ffffffff');
    // Each worker starts in its own quarter of the nonce space.
    nonce = Math.floor(0x100000000 / m.count * m.index) >>> 0;
    if (!running) { running = true; slice(); }
};
