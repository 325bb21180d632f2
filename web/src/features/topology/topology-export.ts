/**
 * The drawn map as files: SVG (the element as it is: every colour and font is an attribute, so
 * the file looks the same anywhere) and PNG (that SVG drawn on a canvas at twice the size).
 * Browser-only, no React.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgDocument(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true);
  if (!(clone instanceof SVGSVGElement)) throw new Error('not an SVG element');
  clone.setAttribute('xmlns', SVG_NS);
  // Exported at its natural size, whatever the page scaled it to.
  clone.setAttribute('width', svg.viewBox.baseVal.width.toString());
  clone.setAttribute('height', svg.viewBox.baseVal.height.toString());
  clone.removeAttribute('style');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

function download(href: string, filename: string): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

export function downloadSvg(svg: SVGSVGElement, filename: string): void {
  const url = URL.createObjectURL(new Blob([svgDocument(svg)], { type: 'image/svg+xml' }));
  download(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Rasterized through an <img> of the SVG as a data: URL (the console's CSP allows data: images). */
export async function downloadPng(svg: SVGSVGElement, filename: string, scale = 2): Promise<void> {
  const width = svg.viewBox.baseVal.width;
  const height = svg.viewBox.baseVal.height;
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgDocument(svg))}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser cannot draw on a canvas');
  context.scale(scale, scale);
  context.drawImage(image, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the map could not be turned into a PNG');
  const url = URL.createObjectURL(blob);
  download(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
