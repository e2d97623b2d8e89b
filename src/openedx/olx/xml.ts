import { XMLParser } from 'fast-xml-parser';
import { OlxReadError } from './errors.js';

/** An OLX element reduced to what the reader needs; children keep document order. */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  // Also decodes numeric character references such as &#10;, which Studio writes inside JSON attributes.
  htmlEntities: true,
});

/** Parses one OLX file and returns its root element. */
export function parseOlx(xml: string, file: string): XmlElement {
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (err) {
    // The parser's own limits (such as its nesting depth) throw plain errors; they are the file's fault.
    throw new OlxReadError(`${file} cannot be read as OLX: ${(err as Error).message}`, { cause: err });
  }
  const root = toElements(nodes)[0];
  if (!root) throw new OlxReadError(`${file} has no root element`);
  return root;
}

function toElements(nodes: OrderedNode[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text' || tag.startsWith('?')) continue;
    const body = (node[tag] ?? []) as OrderedNode[];
    const text = body
      .filter((n) => '#text' in n)
      .map((n) => String(n['#text']))
      .join('');
    out.push({ tag, attrs: { ...(node[':@'] ?? {}) }, children: toElements(body), text });
  }
  return out;
}
