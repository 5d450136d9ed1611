// Worker of compute.html: endless batches of benign heavy work, reported to
// the page after each batch. Three kinds of task take turns: a 3x3
// convolution over a 512x512 image, a sieve of Eratosthenes to 2 million,
// and a WebAssembly loop (a linear congruential generator, module bytes
// below: one exported function spin(n) -> i32; built and checked with
// node's WebAssembly.instantiate).
"use strict";
const WASM = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
    0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x73, 0x70, 0x69, 0x6e,
    0x00, 0x00, 0x0a, 0x2c, 0x01, 0x2a, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20,
    0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x41, 0xed, 0x9c, 0x99, 0x8e, 0x04, 0x6c, 0x41,
    0xb9, 0xe0, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c,
    0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b]);

const SIZE = 512;
const img = new Float32Array(SIZE * SIZE).map((_, i) => (i * 2654435761) % 255);
const out = new Float32Array(SIZE * SIZE);
const kernel = [0, -1, 0, -1, 5, -1, 0, -1, 0]; // sharpen

function convolve() {
    for (let y = 1; y < SIZE - 1; y++)
        for (let x = 1; x < SIZE - 1; x++) {
            let s = 0;
            for (let k = 0; k < 9; k++)
                s += kernel[k] * img[(y + ((k / 3) | 0) - 1) * SIZE + x + (k % 3) - 1];
            out[y * SIZE + x] = s;
        }
    img.set(out);
}

function sieve(limit) {
    const composite = new Uint8Array(limit + 1);
    let count = 0;
    for (let i = 2; i <= limit; i++) {
        if (composite[i]) continue;
        count++;
        for (let j = i * i; j <= limit; j += i) composite[j] = 1;
    }
    return count;
}

onmessage = async () => {
    const { instance } = await WebAssembly.instantiate(WASM);
    let tasks = 0;
    for (;;) {
        convolve();
        sieve(2000000);
        instance.exports.spin(20000000);
        tasks += 3;
        postMessage({ tasks });
        // Yield to the event loop between batches, as a real app's queue does.
        await new Promise((r) => setTimeout(r, 0));
    }
};
