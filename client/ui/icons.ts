/**
 * Icons from lucide (npm:lucide, ISC): each icon is a list of SVG shapes, imported by name where
 * it is used (`import { Mic } from "lucide"`), so only those used are bundled. Stroke, size and
 * colour come from CSS (`.icon` in static/style.css): one drawing for light and dark.
 *
 * @module
 */
import type { IconNode } from "lucide";

const SVG = "http://www.w3.org/2000/svg";

/** An `<svg>` of `shapes`, hidden from assistive technology (its button has the name). */
export function icon(shapes: IconNode): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  for (const [tag, attributes] of shapes) {
    const shape = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== undefined) shape.setAttribute(name, String(value));
    }
    svg.append(shape);
  }
  return svg;
}

/** Shows `shapes` in `svg` instead of what it showed (a switch's on and off icons). */
export function redraw(svg: SVGSVGElement, shapes: IconNode): void {
  svg.replaceChildren(...icon(shapes).childNodes);
}
