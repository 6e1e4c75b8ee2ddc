/**
 * Reading a 1,000-key ListObjectsV2 page, the lister's hot path: Ferry's reader (xmlTree, through
 * readListPage) against the indexOf reader it replaced and, when given where to find them, the
 * maintained parsers fast-xml-parser (parse alone, and parse with its validation) and saxes.
 * Prints min/median/max ms per page over the rounds, after a warm-up.
 * Run: node dist/test/bench/xmlListPage.bench.js [--rounds 30] [--modules /dir/with/node_modules]
 * (`npm install --prefix /dir fast-xml-parser saxes` outside the project, to compare without a dependency.)
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readListPage, type ListPage, type ListedObject } from '../../libs/s3/responseDocuments.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, modules: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const PAGES_PER_ROUND = 40;
const WARM_UP_PAGES = 300;

/** A page as AWS writes one: most keys plain, some with escaped characters and non-ASCII, checksums on. */
function realisticPage(): string {
  const entries: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const key =
      i % 10 === 0 ? `reports/Q${i % 4} &amp; budget &lt;draft&gt; &quot;v${i}&quot; d&apos;été 日本語 ${i}.xlsx` : `logs/2024/05/${String(1 + (i % 28)).padStart(2, '0')}/app-server-${i}.log.gz`;
    const hex = (i * 2654435761).toString(16).padStart(8, '0').repeat(4).slice(0, 32);
    entries.push(
      `<Contents><Key>${key}</Key><LastModified>2024-05-${String(1 + (i % 28)).padStart(2, '0')}T10:11:${String(i % 60).padStart(2, '0')}.000Z</LastModified>` +
        `<ETag>&quot;${hex}&quot;</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><Size>${1000 + i * 7919}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bench-bucket</Name><Prefix></Prefix>' +
    '<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>' +
    entries.join('') +
    '</ListBucketResult>'
  );
}

/** The indexOf reader Ferry had before xmlTree (libs/s3/list.ts, parseListPage), kept here as the baseline. */
function indexOfListPage(xml: string): ListPage {
  const field = (text: string, tag: string): string | undefined => {
    const open = `<${tag}>`;
    const start = text.indexOf(open);
    if (start < 0) return undefined;
    const end = text.indexOf(`</${tag}>`, start + open.length);
    if (end < 0) return undefined;
    const value = text.slice(start + open.length, end);
    return value.includes('&') ? decodeEntities(value) : value;
  };
  const objects: ListedObject[] = [];
  let at = 0;
  for (;;) {
    const start = xml.indexOf('<Contents>', at);
    if (start < 0) break;
    const end = xml.indexOf('</Contents>', start);
    if (end < 0) break;
    const entry = xml.slice(start + 10, end);
    const modified = field(entry, 'LastModified');
    objects.push({
      key: field(entry, 'Key') ?? '',
      size: Number(field(entry, 'Size') ?? 0),
      etag: (field(entry, 'ETag') ?? '').replace(/"/g, ''),
      last_modified: (modified ? new Date(modified) : new Date(0)).toISOString(),
    });
    at = end + 11;
  }
  const outside = objects.length === 0 ? xml : xml.slice(0, xml.indexOf('<Contents>')) + xml.slice(xml.lastIndexOf('</Contents>'));
  return { objects, truncated: field(outside, 'IsTruncated') === 'true', nextToken: field(outside, 'NextContinuationToken') };
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    switch (entity) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
  });
}

function listedObject(c: { Key: unknown; Size: unknown; ETag: unknown; LastModified: unknown }): ListedObject {
  return { key: String(c.Key), size: Number(c.Size), etag: String(c.ETag).replace(/"/g, ''), last_modified: new Date(String(c.LastModified)).toISOString() };
}

async function commonJs<T>(require: NodeJS.Require, name: string): Promise<T> {
  const loaded = (await import(pathToFileURL(require.resolve(name)).href)) as T & { default?: T };
  return loaded.default ?? loaded;
}

async function fastXmlParser(require: NodeJS.Require): Promise<Array<[string, (xml: string) => ListPage]>> {
  const { XMLParser } = await commonJs<{ XMLParser: new (options: object) => { parse(xml: string, validate?: boolean): any } }>(require, 'fast-xml-parser');
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: false, isArray: (name: string) => name === 'Contents' });
  const read = (validate: boolean) => (xml: string): ListPage => {
    const result = parser.parse(xml, validate).ListBucketResult;
    return { objects: (result.Contents ?? []).map(listedObject), truncated: result.IsTruncated === 'true', nextToken: result.NextContinuationToken };
  };
  return [['fast-xml-parser', read(false)], ['fast-xml-parser, validating', read(true)]];
}

async function saxes(require: NodeJS.Require): Promise<Array<[string, (xml: string) => ListPage]>> {
  const { SaxesParser } = await commonJs<{ SaxesParser: new () => any }>(require, 'saxes');
  return [
    [
      'saxes',
      (xml: string): ListPage => {
        const parser = new SaxesParser();
        const page: ListPage = { objects: [], truncated: false };
        let fields: Record<string, string> = {};
        let text = '';
        parser.on('opentag', () => (text = ''));
        parser.on('text', (t: string) => (text += t));
        parser.on('closetag', (tag: { name: string }) => {
          if (tag.name === 'Contents') {
            page.objects.push(listedObject(fields as never));
            fields = {};
          } else if (tag.name === 'IsTruncated') page.truncated = text === 'true';
          else if (tag.name === 'NextContinuationToken') page.nextToken = text;
          else fields[tag.name] = text;
          text = '';
        });
        parser.write(xml).close();
        return page;
      },
    ],
  ];
}

const xml = realisticPage();
const readers: Array<[string, (xml: string) => ListPage]> = [
  ['indexOf reader (before)', indexOfListPage],
  ['xmlTree reader (readListPage)', readListPage],
];
if (values.modules) {
  const require = createRequire(join(values.modules, 'package.json'));
  readers.push(...(await fastXmlParser(require)), ...(await saxes(require)));
}

const expected = JSON.stringify(readListPage(xml));
for (const [name, read] of readers) {
  if (JSON.stringify(read(xml)) !== expected) throw new Error(`${name} reads the page differently`);
  for (let i = 0; i < WARM_UP_PAGES; i++) read(xml);
}
const perPage = new Map<string, number[]>(readers.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, read] of readers) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < PAGES_PER_ROUND; i++) read(xml);
    perPage.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e6 / PAGES_PER_ROUND);
  }
}
const baseline = median(perPage.get(readers[0]![0])!);
console.log(`1,000-key page, ${xml.length} characters; ${ROUNDS} rounds of ${PAGES_PER_ROUND} pages after ${WARM_UP_PAGES}; ms per page`);
for (const [name, times] of perPage) {
  const sorted = [...times].sort((a, b) => a - b);
  const ratio = median(times) / baseline;
  console.log(`${name.padEnd(30)} min ${sorted[0]!.toFixed(3)}  median ${median(times).toFixed(3)}  max ${sorted[sorted.length - 1]!.toFixed(3)}  (${ratio.toFixed(2)}x the indexOf reader)`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
