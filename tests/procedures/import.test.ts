import fs from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../../src/procedures/catalogue';
import { importCatalogue, parseCsv } from '../../src/procedures/import';
import { parseRecord } from '../../src/procedures/record-parser';
import { tempDir } from '../support/app';

/** A record in the export's layout, small but with every part the parser reads. */
const RECORD = `# Thủ tục đăng ký khai sinh

## Thông tin chung

* **Mã thủ tục:** 1.001193
* **Số quyết định:** 163/QĐ-BTP
* **Cấp thực hiện:** Cấp xã
* **Loại thủ tục:** TTHC được luật giao quy định chi tiết
* **Lĩnh vực:** Hộ tịch
* **Đối tượng thực hiện:** Công dân Việt Nam
* **Cơ quan có thẩm quyền:** Không có thông tin
* **Địa chỉ tiếp nhận HS:** Không có thông tin
* **Cơ quan được ủy quyền:** Không có thông tin
* **Cơ quan phối hợp:** Không có thông tin

## Trình tự thực hiện

Nộp hồ sơ tại Trung tâm Phục vụ hành chính công.

## Cách thức thực hiện

| Hình thức nộp | Thời gian giải quyết | Phí, lệ phí | Mô tả |
| --- | --- | --- | --- |
| Trực tiếp | 1 ngày | Không có thông tin | Không có thông tin |
| Trực tuyến | 1 ngày | Không có thông tin | Nộp trực tuyến<br>trên Cổng |

## Thành phần hồ sơ

### * Giấy tờ phải nộp:

| Tên giấy tờ | Bản chính | Bản sao | Tệp đính kèm |
| --- | --- | --- | --- |
| - Tờ khai đăng ký khai sinh theo mẫu | 1 | 0 | [To khai.docx](../forms/1.001193/To%20khai.docx) |
| - Trường hợp trẻ em bị bỏ rơi thì phải có biên bản | 1 | 0 | Không có |

## Cơ quan thực hiện

Ủy ban nhân dân cấp xã

## Yêu cầu, điều kiện thực hiện

Không có thông tin

## Kết quả xử lý

* Giấy khai sinh (Mã: \`KQ.G15.000031\`)

## Căn cứ pháp lý

| Tên văn bản pháp lý | Mã văn bản |
| --- | --- |
| Luật Hộ tịch | 60/2014/QH13 |
`;

const INDEX =
  '\uFEFFMã số,Tên,Cơ quan ban hành,Cơ quan thực hiện,Lĩnh vực,URL\n' +
  '1.001193,Đăng ký khai sinh,Bộ Tư pháp,Ủy ban nhân dân cấp xã,Hộ tịch,https://dichvucong.gov.vn/thu-tuc-hanh-chinh/a\n' +
  '2.000815,"Chứng thực bản sao, từ bản chính",Bộ Tư pháp,Ủy ban nhân dân cấp xã,Chứng thực,https://dichvucong.gov.vn/thu-tuc-hanh-chinh/b\n';

function writeExport(record = RECORD): string {
  const dir = tempDir('tthc-export-');
  fs.mkdirSync(path.join(dir, 'records'));
  fs.mkdirSync(path.join(dir, 'forms', '1.001193'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'records', '1.001193.md'), record);
  fs.writeFileSync(path.join(dir, 'forms', '1.001193', 'To khai.docx'), 'form bytes');
  fs.writeFileSync(path.join(dir, 'index.csv'), INDEX);
  return dir;
}

describe('#parseRecord', () => {
  it('reads the general fields, filing methods, documents with their form, results and legal bases', () => {
    const p = parseRecord('records/1.001193.md', RECORD, { formFiles: new Set(['To khai.docx']) });
    expect(p).toMatchObject({
      code: '1.001193',
      name: 'Thủ tục đăng ký khai sinh',
      levels: ['Cấp xã'],
      decision: '163/QĐ-BTP',
    });
    expect(p.authority).toBeNull(); // "Không có thông tin" is absence, not text
    expect(p.methods).toEqual([
      { method: 'Trực tiếp', time: '1 ngày', fee: null, description: null },
      { method: 'Trực tuyến', time: '1 ngày', fee: null, description: 'Nộp trực tuyến\ntrên Cổng' },
    ]);
    expect(p.documents[0].heading).toBe('Giấy tờ phải nộp');
    expect(p.documents[0].items[0]).toEqual({
      name: 'Tờ khai đăng ký khai sinh theo mẫu',
      originals: 1,
      copies: 0,
      form: { name: 'To khai.docx', file: '1.001193/To khai.docx' },
    });
    expect(p.documents[0].items[1].form).toBeNull();
    expect(p.results).toEqual(['Giấy khai sinh']);
    expect(p.legal).toEqual([{ title: 'Luật Hộ tịch', number: '60/2014/QH13' }]);
  });

  it('refuses a record whose table row has the wrong number of cells, naming file and line', () => {
    const broken = RECORD.replace(
      '| Trực tiếp | 1 ngày | Không có thông tin | Không có thông tin |',
      '| Trực tiếp | 1 ngày |',
    );
    expect(() => parseRecord('records/1.001193.md', broken, { formFiles: new Set() })).toThrow(
      /records\/1\.001193\.md:24 \(Cách thức thực hiện\): expected a table row of 4 cells, found 2/,
    );
  });

  it('refuses a record whose code differs from its file name', () => {
    expect(() => parseRecord('records/1.000001.md', RECORD, { formFiles: new Set() })).toThrow(
      /records\/1\.000001\.md:5 \(Mã thủ tục\): the record says code 1\.001193 but the file is named 1\.000001\.md/,
    );
  });

  it('refuses a copy count that is not a number', () => {
    const broken = RECORD.replace('theo mẫu | 1 | 0 |', 'theo mẫu | một | 0 |');
    expect(() => parseRecord('r/1.001193.md', broken, { formFiles: new Set() })).toThrow(
      /:33 .*"Bản chính", got "một"/,
    );
  });
});

describe('#parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and drops the BOM', () => {
    expect(parseCsv('\uFEFFa,b\n"x, y","say ""hi""\nthere"\n').map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });
});

describe('importCatalogue', () => {
  it('writes the catalogue, its index and the forms, deterministically, and loads them back', () => {
    const out = tempDir('tthc-catalogue-');
    const result = importCatalogue(writeExport(), out);
    expect(result).toMatchObject({ procedures: 2, detailed: 1, indexOnly: 1, forms: 1 });
    const first = fs.readFileSync(path.join(out, 'catalogue.jsonl'));
    importCatalogue(writeExport(), out);
    expect(fs.readFileSync(path.join(out, 'catalogue.jsonl')).equals(first)).toBe(true);

    const catalogue = loadCatalogue(out);
    expect(catalogue.size).toBe(2);
    expect(catalogue.get('1.001193')).toMatchObject({
      url: 'https://dichvucong.gov.vn/thu-tuc-hanh-chinh/a',
      issuer: 'Bộ Tư pháp',
    });
    expect(catalogue.get('2.000815')).toMatchObject({
      detailed: false,
      name: 'Chứng thực bản sao, từ bản chính',
      documents: [],
    });
    expect(fs.readFileSync(path.join(catalogue.formsDir, '1.001193', 'To khai.docx'), 'utf8')).toBe(
      'form bytes',
    );
  });

  it('leaves the previous catalogue untouched when a record is malformed', () => {
    const out = tempDir('tthc-catalogue-');
    importCatalogue(writeExport(), out);
    const before = fs.readdirSync(out).sort();
    const catalogue = fs.readFileSync(path.join(out, 'catalogue.jsonl'));
    expect(() => importCatalogue(writeExport(RECORD.replace('# Thủ tục', 'Thủ tục')), out)).toThrow(
      /1\.001193\.md:1 \(title\): expected the procedure name/,
    );
    expect(fs.readdirSync(out).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(out, 'catalogue.jsonl')).equals(catalogue)).toBe(true);
  });

  it('refuses to load a catalogue whose index belongs to another import', () => {
    const out = tempDir('tthc-catalogue-');
    importCatalogue(writeExport(), out);
    fs.appendFileSync(path.join(out, 'catalogue.jsonl'), '{}\n');
    expect(() => loadCatalogue(out)).toThrow(/catalogue\.jsonl: expected \d+ bytes as index\.json says/);
  });
});

describe('the shipped catalogue', () => {
  it('holds every record and index row of the July 2026 export, and each record validates', () => {
    const catalogue = loadCatalogue();
    expect(catalogue.size).toBe(5611);
    expect(catalogue.summaries.filter((s) => s.detailed)).toHaveLength(2104);
    let count = 0;
    for (const p of catalogue.all()) count += p.code ? 1 : 0;
    expect(count).toBe(5611);
    expect(catalogue.get('1.001193')?.methods[0]?.time).toBe('1 ngày');
  });
});
