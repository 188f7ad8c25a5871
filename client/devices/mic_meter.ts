/**
 * The pre-join microphone meter: it moves with what the microphone hears, so a person sees it
 * works before joining. The stream's level comes from `audio_level.ts`.
 *
 * @module
 */
import { type LevelReader, readLevel } from "./audio_level.ts";

/** Keeps `meter` moving with `stream`'s microphone while `on`; call on every render. */
export function micMeter(
  meter: HTMLMeterElement,
): (stream: MediaStream | null, on: boolean) => void {
  let running: {
    stream: MediaStream;
    reader: LevelReader | null;
    timer: ReturnType<typeof setInterval>;
  } | null = null;
  return (stream, on) => {
    const wanted = on && stream && stream.getAudioTracks().length > 0 ? stream : null;
    if (running?.stream === wanted) return;
    if (running) {
      clearInterval(running.timer);
      running.reader?.stop();
      running = null;
      meter.value = 0;
    }
    if (!wanted) return;
    const reader = readLevel(wanted);
    running = {
      stream: wanted,
      reader,
      timer: setInterval(() => (meter.value = reader?.level() ?? 0), 100),
    };
  };
}
