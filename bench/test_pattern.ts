/**
 * A camera for the bench that nothing but an effect changes: a still test pattern, played by
 * Chromium as its fake camera (`--use-file-for-fake-video-capture`).
 *
 * @module
 */

/**
 * A still test pattern as a one-frame Y4M file (Chromium plays it as its camera, looping): colour
 * bars across the top, a checkerboard, and fine stripes: edges everywhere for a blur to soften.
 */
export function testPattern(width: number, height: number): Uint8Array {
  const header = new TextEncoder().encode(
    `YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`,
  );
  const y = new Uint8Array(width * height);
  const u = new Uint8Array((width / 2) * (height / 2));
  const v = new Uint8Array(u.length);
  const bars = [
    [235, 128, 128],
    [210, 16, 146],
    [170, 166, 16],
    [145, 54, 34],
    [106, 202, 222],
    [81, 90, 240],
    [41, 240, 110],
    [16, 128, 128],
  ];
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      let [luma, cb, cr] = [128, 128, 128];
      if (row < height / 3) [luma, cb, cr] = bars[Math.floor((col * bars.length) / width)];
      else if (row < (2 * height) / 3) luma = ((row >> 4) + (col >> 4)) % 2 ? 220 : 30;
      else luma = (col >> 1) % 2 ? 200 : 50;
      y[row * width + col] = luma;
      if (row % 2 === 0 && col % 2 === 0) {
        u[(row / 2) * (width / 2) + col / 2] = cb;
        v[(row / 2) * (width / 2) + col / 2] = cr;
      }
    }
  }
  const file = new Uint8Array(header.length + y.length + u.length + v.length);
  file.set(header);
  file.set(y, header.length);
  file.set(u, header.length + y.length);
  file.set(v, header.length + y.length + u.length);
  return file;
}

/**
 * A moving camera for the group part: `frames` frames (a loop at `options.fps` frames/s, default
 * 30) of colour bars, a checkerboard that scrolls 4 px a frame and fine stripes, with grain (±12
 * levels of luma, new in every frame) as a real camera's sensor gives: a picture the encoder spends
 * its whole budget on. `options.grain: false` leaves the grain out (a cheaper picture to encode).
 */
export function movingPattern(
  width: number,
  height: number,
  frames: number,
  options: { fps?: number; grain?: boolean } = {},
): Uint8Array {
  const header = new TextEncoder().encode(
    `YUV4MPEG2 W${width} H${height} F${options.fps ?? 30}:1 Ip A1:1 C420jpeg\n`,
  );
  const marker = new TextEncoder().encode("FRAME\n");
  const lumaSize = width * height;
  const frameSize = marker.length + lumaSize + lumaSize / 2;
  const file = new Uint8Array(header.length + frames * frameSize);
  file.set(header);
  let seed = 0x9e3779b9;
  const grain = () => {
    if (options.grain === false) return 0;
    seed ^= seed << 13, seed ^= seed >>> 17, seed ^= seed << 5;
    return ((seed >>> 0) % 25) - 12;
  };
  for (let f = 0; f < frames; f++) {
    const at = header.length + f * frameSize;
    file.set(marker, at);
    const y = at + marker.length;
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        let luma = 128;
        if (row < height / 3) luma = 235 - Math.floor((col * 8) / width) * 27;
        else if (row < (2 * height) / 3) luma = ((row >> 4) + ((col + 4 * f) >> 4)) % 2 ? 200 : 50;
        else luma = (col >> 1) % 2 ? 180 : 70;
        file[y + row * width + col] = Math.max(16, Math.min(235, luma + grain()));
      }
    }
    // Chroma: the bars' colours across the top third, grey below.
    const u = y + lumaSize;
    const v = u + lumaSize / 4;
    for (let row = 0; row < height / 2; row++) {
      for (let col = 0; col < width / 2; col++) {
        const i = row * (width / 2) + col;
        const bar = Math.floor((col * 2 * 8) / width);
        const top = row < height / 6;
        file[u + i] = top ? 64 + bar * 18 : 128;
        file[v + i] = top ? 200 - bar * 18 : 128;
      }
    }
  }
  return file;
}
