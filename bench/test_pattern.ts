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
