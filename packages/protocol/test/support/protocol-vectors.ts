import { readFileSync } from 'node:fs';

/** `docs/device-protocol.md`, whose `vector=…` blocks are the protocol's test vectors. */
export const PROTOCOL_DOC = new URL('../../../../docs/device-protocol.md', import.meta.url);

/** A fenced block whose info string names a vector: ```json vector=answer/document */
const VECTOR_BLOCK = /^```(\w+) vector=([\w/-]+)\n([\s\S]*?)\n```$/gm;

/** The vectors of the doc, by name: each block's content, exactly. */
export interface ProtocolVectors {
  readonly names: readonly string[];
  /** The exact text of a block. */
  text(name: string): string;
  /** A `json` block, parsed. */
  json<T = unknown>(name: string): T;
}

/** Reads every `vector=…` block of `markdown`; a name given twice is an error. */
export function readVectors(markdown: string): ProtocolVectors {
  const blocks = new Map<string, { language: string; content: string }>();
  for (const [, language = '', name = '', content = ''] of markdown.matchAll(VECTOR_BLOCK)) {
    if (blocks.has(name)) throw new Error(`vector ${name} is written twice`);
    blocks.set(name, { language, content });
  }
  const block = (name: string) => {
    const found = blocks.get(name);
    if (found === undefined) throw new Error(`the doc has no vector ${name}`);
    return found;
  };
  return {
    names: [...blocks.keys()],
    text: (name) => block(name).content,
    json: <T>(name: string) => {
      const { language, content } = block(name);
      if (language !== 'json') throw new Error(`vector ${name} is not a json block`);
      return JSON.parse(content) as T;
    },
  };
}

/** The vectors of `docs/device-protocol.md`. */
export function protocolVectors(): ProtocolVectors {
  return readVectors(readFileSync(PROTOCOL_DOC, 'utf8'));
}
