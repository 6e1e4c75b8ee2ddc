/**
 * A small XML reader for S3 and STS answers: the whole document checked for well-formedness
 * (every element closed, in order, one root) and turned into a tree of elements and their text.
 * Comments, processing instructions and CDATA sections are read as XML defines them; attributes
 * are checked and skipped, as no S3 answer Ferry reads carries data in them. A document type
 * declaration is refused, so no document can declare entities of its own.
 *
 * References: the five predefined entities and character references naming a Unicode scalar
 * value (U+0001..U+10FFFF, no surrogates; control characters too, as AWS writes them in keys)
 * are decoded. Any other '&' (s3rver's unescaped ampersands, HTML's &eacute; in s3rver's error
 * messages, &#0;, &#xFFFFFFFF;) is text as written: one rule, and a read never fails over it.
 *
 * The one leniency is opt-in, per element name: `rawTextElements` read everything up to their own
 * closing tag as text, for s3rver's tag documents, which carry '<' unescaped.
 */

export interface XmlElement {
  readonly name: string;
  /** The character data directly inside this element (CDATA included), references decoded. */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export interface XmlReadOptions {
  /** Elements whose content is text up to their closing tag, markup or not (never nested in themselves). */
  rawTextElements?: ReadonlySet<string>;
}

/** Why a document is not well-formed, and where (a UTF-16 offset into the text). */
export class MalformedXml extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = 'MalformedXml';
  }
}

const GT = 0x3e;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BOM = 0xfeff;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Ends a name: space, '/', '>', '=', or the end of the text (NaN). */
function endsName(c: number): boolean {
  return isSpace(c) || c === SLASH || c === GT || c === EQUALS || c !== c;
}

interface Element {
  name: string;
  text: string;
  children: Element[];
}

/** Shared by every element until its first child: most elements (a page's Key, Size, ETag…) have none. */
const NO_CHILDREN: Element[] = [];

/** Reads a whole document into its root element; throws MalformedXml when it is not well-formed. */
export function readXml(xml: string, options: XmlReadOptions = {}): XmlElement {
  return new TreeReader(xml, options.rawTextElements).read();
}

/**
 * One document's reading. A page of 1,000 entries has some 8,000 elements and 15 names, so a
 * name read is the same string as the last time it was read: no copy, and compared by identity.
 */
class TreeReader {
  private pos: number;
  private readonly stack: Element[] = [];
  private root: Element | undefined;
  private readonly names: string[] = [];

  constructor(
    private readonly xml: string,
    private readonly rawText: ReadonlySet<string> | undefined,
  ) {
    this.pos = xml.charCodeAt(0) === BOM ? 1 : 0;
  }

  read(): XmlElement {
    const { xml, stack } = this;
    for (;;) {
      const lt = xml.indexOf('<', this.pos);
      const textEnd = lt < 0 ? xml.length : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd);
      if (lt < 0) break;
      const next = xml.charCodeAt(lt + 1);
      if (next === SLASH) this.closeTag(lt);
      else if (next === QUESTION) this.pos = after(xml, '?>', lt + 2, 'processing instruction not closed');
      else if (next === BANG) this.declaration(lt);
      else this.startTag(lt);
    }
    if (stack.length > 0) throw new MalformedXml(`<${stack[stack.length - 1]!.name}> not closed (truncated?)`, xml.length);
    if (!this.root) throw new MalformedXml('no root element', xml.length);
    return this.root;
  }

  private text(from: number, to: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top) top.text += decodeReferences(this.xml.slice(from, to));
    else if (!onlySpace(this.xml, from, to)) throw new MalformedXml(this.root ? 'text after the root element' : 'text before the root element', from);
  }

  private name(from: number, to: number): string {
    const length = to - from;
    for (const known of this.names) if (known.length === length && this.xml.startsWith(known, from)) return known;
    const name = this.xml.slice(from, to);
    if (name.includes('<') || name.includes('&')) throw new MalformedXml(`unexpected character in tag name ${JSON.stringify(name)}`, from - 1);
    if (this.names.length < 64) this.names.push(name);
    return name;
  }

  /** A closing tag `</name>` (space allowed before '>'), which must close the innermost open element. */
  private closeTag(lt: number): void {
    const { xml, stack } = this;
    const open = stack.pop();
    if (open && xml.charCodeAt(lt + 2 + open.name.length) === GT && xml.startsWith(open.name, lt + 2)) {
      this.pos = lt + 3 + open.name.length;
      return;
    }
    let i = lt + 2;
    while (!endsName(xml.charCodeAt(i))) i++;
    const name = xml.slice(lt + 2, i);
    while (isSpace(xml.charCodeAt(i))) i++;
    if (xml.charCodeAt(i) !== GT) throw new MalformedXml(i >= xml.length ? `</${name} not closed (truncated?)` : `unexpected character in </${name}>`, i);
    if (!open) throw new MalformedXml(`</${name}> closes no element`, lt);
    if (open.name !== name) throw new MalformedXml(`</${name}> closes <${open.name}>`, lt);
    this.pos = i + 1;
  }

  /** A comment, or a CDATA section (text of the open element); any other `<!` (DOCTYPE, ENTITY) is refused. */
  private declaration(lt: number): void {
    const { xml } = this;
    if (xml.startsWith('<!--', lt)) {
      this.pos = after(xml, '-->', lt + 4, 'comment not closed');
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const top = this.stack[this.stack.length - 1];
      if (!top) throw new MalformedXml('CDATA outside the root element', lt);
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) throw new MalformedXml('CDATA section not closed', xml.length);
      top.text += xml.slice(lt + 9, end);
      this.pos = end + 3;
    } else {
      throw new MalformedXml(xml.startsWith('<!DOCTYPE', lt) ? 'a document type declaration (not accepted)' : 'unexpected <!', lt);
    }
  }

  /** A start tag, `<name attr="v">` or empty `<name/>`; attributes are checked, not kept. */
  private startTag(lt: number): void {
    const { xml, stack } = this;
    if (this.root && stack.length === 0) throw new MalformedXml('a second root element', lt);
    let i = lt + 1;
    while (!endsName(xml.charCodeAt(i))) i++;
    if (i === lt + 1) throw new MalformedXml(i >= xml.length ? 'truncated after <' : 'a tag without a name', lt);
    const name = this.name(lt + 1, i);
    let empty = false;
    for (;;) {
      const spaced = isSpace(xml.charCodeAt(i));
      while (isSpace(xml.charCodeAt(i))) i++;
      const c = xml.charCodeAt(i);
      if (c === GT) break;
      if (c === SLASH) {
        if (xml.charCodeAt(i + 1) !== GT) throw new MalformedXml(i + 1 >= xml.length ? `<${name} not closed (truncated?)` : `unexpected '/' in <${name}>`, i);
        empty = true;
        i++;
        break;
      }
      if (c !== c) throw new MalformedXml(`<${name} not closed (truncated?)`, i);
      if (!spaced) throw new MalformedXml(`unexpected character in <${name}>`, i);
      i = attribute(xml, i, name);
    }
    this.pos = i + 1;
    const element: Element = { name, text: '', children: NO_CHILDREN };
    const parent = stack[stack.length - 1];
    if (!parent) this.root = element;
    else if (parent.children === NO_CHILDREN) parent.children = [element];
    else parent.children.push(element);
    if (empty) return;
    stack.push(element);
    if (this.rawText?.has(name)) this.rawContent(element);
  }

  /** The content of a raw-text element as its text, up to its closing tag. */
  private rawContent(element: Element): void {
    const end = this.xml.indexOf(`</${element.name}`, this.pos);
    if (end < 0) throw new MalformedXml(`<${element.name}> not closed (truncated?)`, this.xml.length);
    element.text = decodeReferences(this.xml.slice(this.pos, end));
    this.pos = end;
  }
}

function onlySpace(xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(xml.charCodeAt(i))) return false;
  return true;
}

/** The offset after the next `marker` from `from`. */
function after(xml: string, marker: string, from: number, reason: string): number {
  const at = xml.indexOf(marker, from);
  if (at < 0) throw new MalformedXml(reason, xml.length);
  return at + marker.length;
}

/** Skips one `name="value"` (or single-quoted) attribute; returns the offset after it. */
function attribute(xml: string, from: number, tag: string): number {
  let i = from;
  while (!endsName(xml.charCodeAt(i))) i++;
  if (i === from) throw new MalformedXml(`unexpected character in <${tag}>`, i);
  while (isSpace(xml.charCodeAt(i))) i++;
  if (xml.charCodeAt(i) !== EQUALS) throw new MalformedXml(i >= xml.length ? `<${tag} not closed (truncated?)` : `attribute without a value in <${tag}>`, i);
  i++;
  while (isSpace(xml.charCodeAt(i))) i++;
  const quote = xml.charCodeAt(i);
  if (quote !== QUOTE && quote !== APOSTROPHE) throw new MalformedXml(i >= xml.length ? `<${tag} not closed (truncated?)` : `unquoted attribute value in <${tag}>`, i);
  const end = xml.indexOf(quote === QUOTE ? '"' : "'", i + 1);
  if (end < 0) throw new MalformedXml(`attribute value not closed in <${tag}> (truncated?)`, xml.length);
  const markup = xml.indexOf('<', i + 1);
  if (markup >= 0 && markup < end) throw new MalformedXml(`'<' in an attribute value of <${tag}>`, i);
  return end + 1;
}

const HASH = 0x23;
const LOWER_X = 0x78;

/** Text with its references decoded; '&' that starts no decodable reference stays as written. */
export function decodeReferences(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let decoded = '';
  let from = 0;
  let semicolon = -1;
  while (amp >= 0) {
    // One search for each ';', however many '&' come before it: linear in the text.
    if (semicolon < amp) semicolon = text.indexOf(';', amp + 1);
    if (semicolon < 0) break;
    const value = referenceValue(text, amp + 1, semicolon);
    if (value === undefined) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    decoded += text.slice(from, amp) + value;
    from = semicolon + 1;
    amp = text.indexOf('&', from);
  }
  return from === 0 ? text : decoded + text.slice(from);
}

/** What `&…;` between `from` and `to` (the ';') stands for, or undefined when it is no reference to decode. */
function referenceValue(text: string, from: number, to: number): string | undefined {
  if (text.charCodeAt(from) === HASH) return characterReference(text, from + 1, to);
  switch (to - from) {
    case 2:
      if (text.startsWith('lt', from)) return '<';
      return text.startsWith('gt', from) ? '>' : undefined;
    case 3:
      return text.startsWith('amp', from) ? '&' : undefined;
    case 4:
      if (text.startsWith('quot', from)) return '"';
      return text.startsWith('apos', from) ? "'" : undefined;
    default:
      return undefined;
  }
}

/** `&#123;` or `&#x7B;` (digits between `from` and `to`): its character, or undefined when it names none. */
function characterReference(text: string, from: number, to: number): string | undefined {
  const hex = text.charCodeAt(from) === LOWER_X;
  let i = hex ? from + 1 : from;
  if (i === to) return undefined;
  let code = 0;
  for (; i < to; i++) {
    const digit = digitValue(text.charCodeAt(i), hex);
    if (digit < 0) return undefined;
    // Past U+10FFFF it names no character, however many digits follow; stop the number growing.
    code = Math.min(code * (hex ? 16 : 10) + digit, 0x110000);
  }
  return isScalarValue(code) ? String.fromCodePoint(code) : undefined;
}

function digitValue(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (!hex) return -1;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** A code point String.fromCodePoint takes and that is a character: no NUL, no surrogate. */
function isScalarValue(code: number): boolean {
  return code >= 1 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
}

/** The first child of that name. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) if (child.name === name) return child;
  return undefined;
}

/** The text of the first child of that name; undefined when there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  return childNamed(element, name)?.text;
}
