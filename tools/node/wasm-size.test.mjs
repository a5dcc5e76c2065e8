// Tests of the wasm size report: `node --test tools/node/` (scripts/test runs them).

import assert from "node:assert/strict";
import { test } from "node:test";

import { breakdown, checkSameCode, crateOf, parseModule, readableName } from "./wasm-size.mjs";

const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const utf8 = (text) => [...Buffer.from(text, "utf8")];
const vec = (items) => [...leb(items.length), ...items.flat()];
const name = (text) => [...leb(utf8(text).length), ...utf8(text)];
const section = (id, body) => [id, ...leb(body.length), ...body];

/** A module with one imported function, the given bodies (`nop`s of the given count) and names. */
function module({ bodies, names, data = 0, withNames = true }) {
  const type = section(1, vec([[0x60, 0, 0]])); // () -> ()
  const imports = section(
    2,
    vec([
      [...name("env"), ...name("imported"), 0x00, 0], // a function
      [...name("env"), ...name("memory"), 0x02, 0x00, 1], // memory, min 1 page
    ]),
  );
  const functions = section(3, vec(bodies.map(() => [0])));
  const code = section(
    10,
    vec(bodies.map((nops) => {
      const body = [0, ...new Array(nops).fill(0x01), 0x0b]; // no locals, nop × n, end
      return [...leb(body.length), ...body];
    })),
  );
  const segment = [0x00, 0x41, 0x00, 0x0b, ...leb(data), ...new Array(data).fill(0x61)];
  const dataSection = section(11, vec([segment]));
  const nameMap = vec(names.map((text, i) => [...leb(i), ...name(text)]));
  const nameSection = section(0, [...name("name"), 1, ...leb(nameMap.length), ...nameMap]);
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...type, ...imports, ...functions, ...code, ...dataSection,
    ...(withNames ? nameSection : []),
  ]);
}

test("function bodies are counted after the imported functions, with their names", () => {
  const bytes = module({ bodies: [3, 10], names: ["imported", "app::main", "core::fmt::write"], data: 5 });
  const parsed = parseModule(bytes);
  assert.equal(parsed.importedFunctions, 1);
  // size LEB (1) + local count (1) + nops + end (1)
  assert.deepEqual(parsed.bodies, [6, 13]);
  assert.equal(parsed.names.get(1), "app::main");
  assert.equal(parsed.names.get(2), "core::fmt::write");
  assert.ok(parsed.data > 5);
  assert.deepEqual(parsed.custom.map((c) => c.name), ["name"]);
});

test("the breakdown groups bodies by crate and lists the largest first", () => {
  const bytes = module({
    bodies: [3, 10, 4],
    names: ["imported", "app::main::h0123456789abcdef", "core[c5930c85a12de822]::fmt::write", "app::other"],
  });
  const report = breakdown(bytes, 2);
  assert.equal(report.functions, 3);
  assert.equal(report.code, 6 + 13 + 7);
  assert.deepEqual(report.crates, [
    { crate: "app", size: 13 },
    { crate: "core", size: 13 },
  ]);
  assert.deepEqual(report.largest.map((f) => [f.size, f.name]), [
    [13, "core::fmt::write"],
    [7, "app::other"],
  ]);
});

test("a module without a name section is refused, not reported as one crate", () => {
  const bytes = module({ bodies: [1], names: [], withNames: false });
  assert.throws(() => breakdown(bytes), /no function names/);
});

test("a file that is not wasm, or is cut short, is refused", () => {
  assert.throws(() => parseModule(Buffer.from("<!DOCTYPE html>")), /not a wasm module/);
  const bytes = module({ bodies: [5], names: ["imported", "app::main"] });
  assert.throws(() => parseModule(bytes.subarray(0, bytes.length - 3)), /past the end|truncated/);
});

test("trait methods belong to the implementing type's crate, or the trait's for a generic one", () => {
  assert.equal(crateOf("<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_struct"), "serde_json");
  assert.equal(crateOf("<T as tachys::view::Render>::build"), "tachys");
  assert.equal(crateOf("<f64 as core::fmt::Display>::fmt"), "core");
  assert.equal(crateOf("<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop"), "alloc");
  assert.equal(crateOf("app::pages::dashboard::__component_dashboard::{{closure}}"), "app");
  assert.equal(crateOf("memcpy"), "(glue and intrinsics)");
  assert.equal(crateOf("Closure(Closure { owned: true }) -> Externref"), "(glue and intrinsics)");
});

test("names lose their hash suffix and crate disambiguators only", () => {
  assert.equal(readableName("app::main::h0123456789abcdef"), "app::main");
  assert.equal(readableName("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt"), "<f64 as core::fmt::Display>::fmt");
  assert.equal(readableName("app::hash::h01"), "app::hash::h01");
});

test("a named copy of the shipped module passes the check; a different build does not", () => {
  const names = ["imported", "app::main", "core::fmt::write"];
  const shipped = module({ bodies: [3, 10], names, data: 5, withNames: false });
  checkSameCode(module({ bodies: [3, 10], names, data: 5 }), shipped);
  assert.throws(() => checkSameCode(module({ bodies: [3, 11], names, data: 5 }), shipped), /differs/);
  assert.throws(() => checkSameCode(module({ bodies: [3, 10], names, data: 6 }), shipped), /differs/);
  assert.throws(() => checkSameCode(module({ bodies: [3], names, data: 5 }), shipped), /differs/);
});
