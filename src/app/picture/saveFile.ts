/**
 * Saving a picture: the SVG as it is, and a PNG drawn from it at 1920 px wide
 * (a slide's width). The SVG goes through an Image from a data: URL, which the
 * app's Content-Security-Policy allows (img-src 'self' data:).
 */

export const PNG_WIDTH = 1920;

export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Base64 of UTF-8 text, in chunks (String.fromCharCode(...) has an argument limit). */
function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export const svgUrl = (svg: string): string => 'data:image/svg+xml;base64,' + base64(svg);

export async function svgToPng(svg: string, width: number, height: number, outWidth = PNG_WIDTH): Promise<Blob> {
  const img = new Image();
  img.decoding = 'async';
  img.src = svgUrl(svg);
  await img.decode();
  const scale = outWidth / width;
  const canvas = document.createElement('canvas');
  canvas.width = outWidth;
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas here');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))), 'image/png'));
}
