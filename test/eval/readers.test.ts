// Ground-truth readers: boxes.json (both shapes), boxes.csv, a Pascal VOC folder, track.csv, and
// the errors that name the file and the problem.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv } from '../../src/eval/csv.js';
import { parseBoxesJson } from '../../src/eval/readBoxesJson.js';
import { parseBoxesCsv } from '../../src/eval/readBoxesCsv.js';
import { parseVocXml } from '../../src/eval/readVoc.js';
import { readBoxes } from '../../src/eval/readBoxes.js';
import { boxesAt, parseTrackCsv, readTrack } from '../../src/eval/readTrack.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-eval-readers-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CSV', () => {
  it('reads quotes, doubled quotes, CRLF, comments and blank lines', () => {
    const rows = parseCsv('a,b\r\n# note\n\n"x, y","say ""hi"""\n1,2');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 4, fields: ['x, y', 'say "hi"'] },
      { line: 5, fields: ['1', '2'] },
    ]);
    expect(() => parseCsv('a,"b\n')).toThrow(/unterminated/);
  });
});

describe('boxes.json', () => {
  it('an object of image -> boxes, in either box convention', () => {
    const t = parseBoxesJson(JSON.stringify({ 'imgs/a.png': [{ x: 1, y: 2, width: 3, height: 4, label: 'cat' }], 'b.jpg': [{ xmin: 10, ymin: 20, xmax: 30, ymax: 25 }] }), '/data/boxes.json');
    expect(t.lookup('/data/imgs/a.png')).toEqual([{ x: 1, y: 2, width: 3, height: 4, label: 'cat' }]);
    expect(t.lookup('/elsewhere/b.jpg')).toEqual([{ x: 10, y: 20, width: 20, height: 5 }]);
    expect(t.lookup('c.png')).toBeNull();
  });
  it('an array of { image, boxes }', () => {
    const t = parseBoxesJson('[{"image":"a.png","boxes":[{"x":0,"y":0,"w":5,"h":5}]}]', 'b.json');
    expect(t.lookup('a.png')).toEqual([{ x: 0, y: 0, width: 5, height: 5 }]);
  });
  it('errors name the file and the problem', () => {
    expect(() => parseBoxesJson('{', 'b.json')).toThrow(/^b\.json: not valid JSON/);
    expect(() => parseBoxesJson('{"a.png":[{"x":0,"y":0,"width":0,"height":3}]}', 'b.json')).toThrow(/b\.json: a\.png\[0\]: the box has no area/);
    expect(() => parseBoxesJson('{"a.png":[{"x":"left","y":0,"width":1,"height":3}]}', 'b.json')).toThrow(/"x" is not a number \(left\)/);
    expect(() => parseBoxesJson('[{"boxes":[]}]', 'b.json')).toThrow(/entry 0 needs "image"/);
  });
  it('a short name shared by two images is refused', () => {
    const t = parseBoxesJson('{"x/a.png":[{"x":0,"y":0,"width":1,"height":1}],"y/a.png":[{"x":0,"y":0,"width":2,"height":2}]}', '/d/b.json');
    expect(t.lookup('/d/x/a.png')![0]!.width).toBe(1);
    expect(() => t.lookup('/other/a.png')).toThrow(/several images are named "a\.png"/);
  });
});

describe('boxes.csv', () => {
  it('one box per row, several rows per image, columns in any order', () => {
    const t = parseBoxesCsv('label,image,x,y,width,height\ncat,a.png,0,0,10,10\nmonarch,a.png,10,0,10,10\n', 'b.csv');
    expect(t.lookup('a.png')!.map((b) => b.label)).toEqual(['cat', 'monarch']);
    expect(t.lookup('a')!.length).toBe(2); // name without extension
  });
  it('errors name the file, the line and the column', () => {
    expect(() => parseBoxesCsv('image,x,y,width\n', 'b.csv')).toThrow(/b\.csv: the header has no "height" or "h" or "ymax" column/);
    expect(() => parseBoxesCsv('image,x,y,width,height\na.png,0,0,ten,1\n', 'b.csv')).toThrow(/b\.csv, line 2: "width" is not a number/);
    expect(() => parseBoxesCsv('', 'b.csv')).toThrow(/b\.csv: empty/);
  });
});

const VOC = `<?xml version="1.0"?>
<annotation>
  <folder>VOC2007</folder>
  <filename>000001.jpg</filename>
  <size><width>353</width><height>500</height><depth>3</depth></size>
  <!-- <object><name>ghost</name></object> -->
  <object>
    <name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>
    <bndbox><xmin>48</xmin><ymin>240</ymin><xmax>195</xmax><ymax>371</ymax></bndbox>
  </object>
  <object>
    <name>Tom &amp; Jerry</name>
    <bndbox>
      <xmin> 8 </xmin>
      <ymin>12</ymin>
      <xmax>352</xmax>
      <ymax>498</ymax>
    </bndbox>
  </object>
</annotation>`;

describe('Pascal VOC', () => {
  it('reads filename, names and 1-based inclusive boxes', () => {
    const { filename, boxes } = parseVocXml(VOC, 'a.xml');
    expect(filename).toBe('000001.jpg');
    expect(boxes).toEqual([
      { x: 47, y: 239, width: 148, height: 132, label: 'dog' },
      { x: 7, y: 11, width: 345, height: 487, label: 'Tom & Jerry' },
    ]);
  });
  it('ignores the parts of person-layout objects', () => {
    const xml = '<annotation><filename>p.jpg</filename><object><part><name>head</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></part>' +
      '<name>person</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>50</xmax><ymax>80</ymax></bndbox></object></annotation>';
    expect(parseVocXml(xml, 'p.xml').boxes).toEqual([{ x: 0, y: 1, width: 50, height: 79, label: 'person' }]);
  });
  it('errors name the file', () => {
    expect(() => parseVocXml('<html></html>', 'x.xml')).toThrow(/x\.xml: not a Pascal VOC annotation/);
    expect(() => parseVocXml('<annotation><object><name>a</object></annotation>', 'x.xml')).toThrow(/^x\.xml: not valid XML \(line 1/);
    expect(() => parseVocXml('<annotation><object><name>a</name><bndbox><xmin>1</xmin></bndbox><bndbox/></object></annotation>', 'x.xml')).toThrow(/object 1 has more than one <bndbox>/);
    expect(() => parseVocXml('<annotation><object><name>a</name></object></annotation>', 'x.xml')).toThrow(/x\.xml: object 1 has no <bndbox>/);
    expect(() => parseVocXml('<annotation><object><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>a</xmax><ymax>2</ymax></bndbox></object></annotation>', 'x.xml')).toThrow(/<xmax> is not a number/);
  });
  it('readBoxes tells a VOC folder, a .json and a .csv apart', async () => {
    const dir = path.join(tmp, 'voc');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '000001.xml'), VOC);
    const voc = await readBoxes(dir);
    expect(voc.lookup('/images/000001.jpg')).toHaveLength(2);
    const j = path.join(tmp, 'b.json');
    writeFileSync(j, '{"a.png":[{"x":0,"y":0,"width":1,"height":1}]}');
    expect((await readBoxes(j)).size).toBe(1);
    await expect(readBoxes(path.join(tmp, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read the boxes \(no such file or folder\)/);
    const t = path.join(tmp, 'b.txt');
    writeFileSync(t, 'x');
    await expect(readBoxes(t)).rejects.toThrow(/b\.txt: boxes must be/);
    await expect(readBoxes(tmp)).rejects.toThrow(/no \.xml annotation files/);
  });
});

describe('track.csv', () => {
  it('by frame: boxes per frame index, missing frames have none', () => {
    const tr = parseTrackCsv('frame,x,y,width,height\n0,0,0,10,10\n2,5,0,10,10\n2,50,50,5,5\n', 't.csv');
    expect(tr.key).toBe('frame');
    expect(boxesAt(tr, { index: 2, timeS: 0.2 }, 0.1)).toHaveLength(2);
    expect(boxesAt(tr, { index: 1, timeS: 0.1 }, 0.1)).toBeNull();
  });
  it('by time: the nearest row within half a frame interval', () => {
    const tr = parseTrackCsv('time,xmin,ymin,xmax,ymax\n0.0,0,0,10,10\n0.5,10,0,20,10\n', 't.csv');
    expect(boxesAt(tr, { index: 12, timeS: 0.48 }, 0.04)![0]!.x).toBe(10);
    expect(boxesAt(tr, { index: 6, timeS: 0.24 }, 0.04)).toBeNull();
  });
  it('errors name the file and the line', () => {
    expect(() => parseTrackCsv('frame,x,y,width,height\n', 't.csv')).toThrow(/t\.csv: expected a header row/);
    expect(() => parseTrackCsv('frame,x,y,width,height\n1.5,0,0,1,1\n', 't.csv')).toThrow(/t\.csv, line 2: "frame" must be a frame index/);
    expect(() => parseTrackCsv('x,y,width,height\n0,0,1,1\n', 't.csv')).toThrow(/no "frame" or "time" column/);
  });

  it('readTrack reads a file and names a missing one', async () => {
    const f = path.join(tmp, 'track.csv');
    writeFileSync(f, 'frame,x,y,width,height\n0,1,2,3,4\n');
    expect((await readTrack(f)).entries).toHaveLength(1);
    await expect(readTrack(path.join(tmp, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot read the track \(no such file\)$/);
  });

  // A FIFO as --track used to block eval-video in the read for good.
  it.skipIf(process.platform === 'win32')('readTrack refuses a FIFO at once, in one line naming it', { timeout: 5000 }, async () => {
    const fifo = path.join(tmp, 'track-fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    await expect(readTrack(fifo)).rejects.toThrow(new Error(`${fifo}: not a regular file (a FIFO)`));
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
