import { LogicEngine } from 'json-logic-engine';
import jsonLogic from 'json-logic-js';
import { formatDate, parseIso } from '../../core/src/mapping/date-text.js';
import { compileMapping, type JsonValue } from '../../core/src/mapping/index.js';

/** Compares JSON-logic evaluators on a realistic 20-field mapping (records per second). */

const countries = {
  FR: 'France',
  DE: 'Germany',
  US: 'United States',
  GB: 'United Kingdom',
  ES: 'Spain',
  IT: 'Italy',
  NL: 'Netherlands',
  BE: 'Belgium',
};

function mappingWith(table: JsonValue): Record<string, JsonValue> {
  return {
    id: { var: 'id' },
    email: { lower: [{ trim: [{ var: 'contact.email' }] }] },
    firstName: { var: 'contact.first_name' },
    lastName: { upper: [{ var: 'contact.last_name' }] },
    fullName: { cat: [{ var: 'contact.first_name' }, ' ', { var: 'contact.last_name' }] },
    country: { lookup: [table, { var: 'address.country' }, 'Unknown'] },
    city: { var: ['address.city', 'Unknown'] },
    postalCode: { var: 'address.zip' },
    region: { substr: [{ var: 'address.zip' }, 0, 2] },
    status: {
      if: [
        { '==': [{ var: 'status' }, 'A'] },
        'active',
        { '==': [{ var: 'status' }, 'S'] },
        'suspended',
        'inactive',
      ],
    },
    isVip: { '>=': [{ var: 'lifetime_value' }, 10000] },
    tier: {
      if: [
        { '>': [{ var: 'lifetime_value' }, 50000] },
        'gold',
        { '>': [{ var: 'lifetime_value' }, 10000] },
        'silver',
        'bronze',
      ],
    },
    createdDate: { date_format: [{ var: 'created_at' }, 'yyyy-MM-dd'] },
    updatedAt: { var: 'updated_at' },
    total: { '*': [{ var: 'order.quantity' }, { var: 'order.unit_price' }] },
    net: {
      '-': [
        { '*': [{ var: 'order.quantity' }, { var: 'order.unit_price' }] },
        { var: 'order.discount' },
      ],
    },
    hasPhone: { '!!': [{ var: 'contact.phone' }] },
    phone: { cat: ['+', { var: 'contact.phone_country' }, ' ', { var: 'contact.phone' }] },
    channel: { if: [{ in: [{ var: 'source' }, ['web', 'mobile']] }, 'digital', 'offline'] },
    marketingOptIn: { and: [{ var: 'consent.email' }, { '!': [{ var: 'consent.unsubscribed' }] }] },
  };
}

export function makeRecords(count: number) {
  const codes = Object.keys(countries).concat(['XX']);
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({
      id: `cus_${i}`,
      status: ['A', 'S', 'D'][i % 3],
      source: ['web', 'mobile', 'store', 'phone'][i % 4],
      lifetime_value: (i * 7919) % 80000,
      created_at: new Date(Date.UTC(2020, i % 12, (i % 28) + 1, i % 24)).toISOString(),
      updated_at: new Date(Date.UTC(2024, i % 12, 1)).toISOString(),
      contact: {
        email: `  User.${i}@Example.COM `,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        phone: i % 5 === 0 ? '' : `6${String(i).padStart(8, '0')}`,
        phone_country: '33',
      },
      address:
        i % 7 === 0
          ? { country: codes[i % codes.length], zip: `${75000 + i}` }
          : { country: codes[i % codes.length], city: `City ${i % 50}`, zip: `${10000 + i}` },
      order: { quantity: (i % 9) + 1, unit_price: 19.99, discount: i % 4 },
      consent: { email: i % 2 === 0, unsubscribed: i % 6 === 0 },
    });
  }
  return records;
}

type Record_ = ReturnType<typeof makeRecords>[number];

/** Library operations given to the other engines, with the same implementations. */
const library = {
  lower: (s: unknown) => (s === null ? null : String(s).toLowerCase()),
  upper: (s: unknown) => (s === null ? null : String(s).toUpperCase()),
  trim: (s: unknown) => (s === null ? null : String(s).trim()),
  date_format: (d: unknown, f: unknown) => {
    const ms = typeof d === 'number' ? d : parseIso(String(d), 'UTC');
    return ms === undefined ? null : formatDate(ms, String(f), 'UTC');
  },
  lookup: (t: Record<string, unknown>, k: unknown, d: unknown) =>
    t !== null && typeof k === 'string' && Object.hasOwn(t, k) ? t[k] : d,
};

function handWritten(r: Record_): Record<string, unknown> {
  const c = r.contact;
  const a = r.address as { country: string; city?: string; zip: string };
  const v = r.lifetime_value;
  const total = r.order.quantity * r.order.unit_price;
  return {
    id: r.id,
    email: c.email.trim().toLowerCase(),
    firstName: c.first_name,
    lastName: c.last_name.toUpperCase(),
    fullName: `${c.first_name} ${c.last_name}`,
    country: Object.hasOwn(countries, a.country)
      ? countries[a.country as keyof typeof countries]
      : 'Unknown',
    city: a.city ?? 'Unknown',
    postalCode: a.zip,
    region: a.zip.slice(0, 2),
    status: r.status === 'A' ? 'active' : r.status === 'S' ? 'suspended' : 'inactive',
    isVip: v >= 10000,
    tier: v > 50000 ? 'gold' : v > 10000 ? 'silver' : 'bronze',
    createdDate: r.created_at.slice(0, 10),
    updatedAt: r.updated_at,
    total,
    net: total - r.order.discount,
    hasPhone: Boolean(c.phone),
    phone: `+${c.phone_country} ${c.phone}`,
    channel: r.source === 'web' || r.source === 'mobile' ? 'digital' : 'offline',
    marketingOptIn: r.consent.email && !r.consent.unsubscribed,
  };
}

type Contender = (record: Record_) => Record<string, unknown>;

export function contenders(): Record<string, Contender> {
  const plain = mappingWith(countries);
  const fields = Object.entries(plain);

  for (const [name, fn] of Object.entries(library)) {
    jsonLogic.add_operation(name, fn as (...args: unknown[]) => unknown);
  }
  const jsonLogicJs: Contender = (record) => {
    const out: Record<string, unknown> = {};
    for (const [field, rule] of fields)
      out[field] = jsonLogic.apply(rule as jsonLogic.RulesLogic, record);
    return out;
  };

  const engine = new LogicEngine();
  for (const [name, fn] of Object.entries(library)) {
    engine.addMethod(name, (args: unknown[]) => (fn as (...a: unknown[]) => unknown)(...args), {
      deterministic: true,
    });
  }
  const built = Object.entries(mappingWith({ preserve: countries })).map(
    ([field, rule]) => [field, engine.build(rule) as (data: unknown) => unknown] as const,
  );
  const engineCompiled: Contender = (record) => {
    const out: Record<string, unknown> = {};
    for (const [field, fn] of built) out[field] = fn(record);
    return out;
  };

  const compiled = compileMapping(plain);
  const junction: Contender = (record) => compiled(record).output;

  return {
    'json-logic-js apply': jsonLogicJs,
    'json-logic-engine build': engineCompiled,
    'junction compileMapping': junction,
    'hand-written JavaScript': handWritten,
  };
}

/** Milliseconds of CPU used by this process (user + system): steadier than wall time on a busy machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Records mapped per CPU-second over one round of at least `budgetMs` of CPU. */
function roundRate(fn: Contender, records: readonly Record_[], budgetMs: number): number {
  let done = 0;
  const start = cpuMs();
  let elapsed = 0;
  let sink = 0;
  do {
    for (const record of records) sink += Object.keys(fn(record)).length;
    done += records.length;
    elapsed = cpuMs() - start;
  } while (elapsed < budgetMs);
  if (sink === -1) console.log(sink);
  return (done / elapsed) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function runMappingBench(): Promise<Record<string, unknown>> {
  const records = makeRecords(1_000);
  const all = contenders();
  const expected = records.map(handWritten);
  for (const [name, fn] of Object.entries(all)) {
    const mismatch = records.findIndex(
      (r, i) => JSON.stringify(fn(r)) !== JSON.stringify(expected[i]),
    );
    if (mismatch !== -1) {
      throw new Error(
        `${name} disagrees with the hand-written mapping on record ${mismatch}: ${JSON.stringify(fn(records[mismatch] as Record_))}`,
      );
    }
  }
  // Rounds are interleaved (every contender once per round, in a rotating order) so that drift
  // on a busy machine hits every contender alike; each figure is the median of its rounds.
  const rounds = 9;
  const names = Object.keys(all);
  const samples: Record<string, number[]> = {};
  for (const name of names) {
    roundRate(all[name] as Contender, records, 300);
    samples[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as string;
      samples[name]?.push(roundRate(all[name] as Contender, records, 200));
    }
  }
  const rates: Record<string, number> = {};
  for (const name of names) rates[name] = Math.round(median(samples[name] ?? []));
  const baseJs = rates['json-logic-js apply'] as number;
  const baseEngine = rates['json-logic-engine build'] as number;
  const rows = Object.entries(rates).map(([name, rate]) => ({
    contender: name,
    'records/s': rate.toLocaleString('en-US'),
    'vs json-logic-js': `${(rate / baseJs).toFixed(2)}x`,
    'vs json-logic-engine': `${(rate / baseEngine).toFixed(2)}x`,
  }));
  console.log(
    `\nmapping bench: 20-field mapping, ${records.length} records, median of ${rounds} rounds, records per CPU-second`,
  );
  console.table(rows);
  return {
    name: 'mapping',
    fields: 20,
    records: records.length,
    rounds,
    recordsPerSecond: rates,
    junctionVsJsonLogicJs: (rates['junction compileMapping'] as number) / baseJs,
    junctionVsJsonLogicEngine: (rates['junction compileMapping'] as number) / baseEngine,
  };
}
