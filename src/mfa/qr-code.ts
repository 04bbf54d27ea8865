import QRCode from "qrcode";

/**
 * A QR code of `text` as an SVG data URI, drawn in-process (no service sees the secret it
 * carries): small, sharp at any size, and usable as an <img src> as it is.
 */
export async function qrCodeDataUri(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
}
