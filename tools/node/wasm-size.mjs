// Where the bytes of the browser's wasm are: from a copy of the module that keeps its name
// section, its function bodies grouped by crate and the largest functions. Given the shipped
// module too, it first checks that the copy has the same code and data, so the report is of
// what ships. No dependencies beyond Node itself.
//
//   node tools/node/wasm-size.mjs breakdown NAMED_FILE [TOP] [SHIPPED_FILE]
//
// scripts/wasm-size builds the module and calls this; docs/build.md records what it printed.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function readLeb(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) throw new Error("truncated LEB128 number");
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, offset];
  }
}

/**
 * The parts of a wasm module this report needs: the size of every function body (in module
 * order, after the imported functions), the data segments' total size, the function names
 * from the `name` section, and the other custom sections' sizes.
 */
export function parseModule(bytes) {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) {
    throw new Error("not a wasm module (no \\0asm header)");
  }
  const module = { importedFunctions: 0, bodies: [], data: 0, names: new Map(), custom: [] };
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset++];
    let size;
    [size, offset] = readLeb(bytes, offset);
    const end = offset + size;
    if (end > bytes.length) throw new Error(`section ${id} runs past the end of the module`);
    const section = bytes.subarray(offset, end);
    if (id === 2) module.importedFunctions = countImportedFunctions(section);
    else if (id === 10) module.bodies = functionBodySizes(section);
    else if (id === 11) module.data = section.length;
    else if (id === 0) readCustom(section, module);
    offset = end;
  }
  return module;
}

function countImportedFunctions(section) {
  let [count, at] = readLeb(section, 0);
  let functions = 0;
  const skipName = () => {
    let length;
    [length, at] = readLeb(section, at);
    at += length;
  };
  const skipLimits = () => {
    const flags = section[at++];
    [, at] = readLeb(section, at);
    if (flags & 1) [, at] = readLeb(section, at);
  };
  while (count-- > 0) {
    skipName();
    skipName();
    const kind = section[at++];
    if (kind === 0) {
      [, at] = readLeb(section, at);
      functions++;
    } else if (kind === 1) {
      at++; // element type
      skipLimits();
    } else if (kind === 2) {
      skipLimits();
    } else if (kind === 3) {
      at += 2; // value type, mutability
    } else if (kind === 4) {
      at++; // tag attribute
      [, at] = readLeb(section, at);
    } else {
      throw new Error(`unknown import kind ${kind}`);
    }
  }
  return functions;
}

function functionBodySizes(section) {
  let [count, at] = readLeb(section, 0);
  const sizes = [];
  while (count-- > 0) {
    const start = at;
    let length;
    [length, at] = readLeb(section, at);
    at += length;
    sizes.push(at - start);
  }
  return sizes;
}

function readCustom(section, module) {
  let [length, at] = readLeb(section, 0);
  const name = section.subarray(at, at + length).toString("utf8");
  at += length;
  module.custom.push({ name, size: section.length });
  if (name !== "name") return;
  while (at < section.length) {
    const kind = section[at++];
    let size;
    [size, at] = readLeb(section, at);
    const end = at + size;
    if (kind === 1) {
      let count;
      let pos = at;
      [count, pos] = readLeb(section, pos);
      while (count-- > 0) {
        let index;
        let nameLength;
        [index, pos] = readLeb(section, pos);
        [nameLength, pos] = readLeb(section, pos);
        module.names.set(index, section.subarray(pos, pos + nameLength).toString("utf8"));
        pos += nameLength;
      }
    }
    at = end;
  }
}

/**
 * A function's name without what only tells copies apart: wasm-bindgen writes the names
 * demangled, with the hash suffix of legacy symbols (`::h<16 hex>`) and the crate
 * disambiguators of v0 ones (`core[c5930c85a12de822]`).
 */
export function readableName(name) {
  return name.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{8,16}\]/g, "");
}

function leadingCrate(path) {
  const trimmed = path.replace(/^(?:&|\*const |\*mut |mut |dyn |\[|\()+/, "");
  const match = /^([a-z_][a-z0-9_]*)::/.exec(trimmed);
  return match ? match[1] : null;
}

/**
 * The crate a function's code belongs to, for grouping: the first path segment, or for a
 * trait method `<Type as Trait>::f` the crate of `Type` when it is a path, else of `Trait`.
 * Functions with no crate in their name (wasm-bindgen's adapters and exports, compiler
 * intrinsics such as `memcpy`) are grouped as "(glue and intrinsics)".
 */
export function crateOf(functionName) {
  const name = readableName(functionName);
  if (name.startsWith("<")) {
    let depth = 0;
    for (let i = 1; i < name.length; i++) {
      const c = name[i];
      if (c === "<") depth++;
      else if (c === ">") depth--;
      else if (depth === 0 && name.startsWith(" as ", i)) {
        return leadingCrate(name.slice(1, i)) ?? leadingCrate(name.slice(i + 4)) ?? GLUE;
      }
    }
    return leadingCrate(name.slice(1)) ?? GLUE;
  }
  return leadingCrate(name) ?? GLUE;
}

const GLUE = "(glue and intrinsics)";

/** Function bytes by crate, and the largest functions, from a module with a name section. */
export function breakdown(bytes, top = 25) {
  const module = parseModule(bytes);
  if (module.names.size === 0) {
    throw new Error("the module has no function names (build it with wasm-opt -g)");
  }
  const byCrate = new Map();
  const functions = module.bodies.map((size, i) => {
    const name = module.names.get(module.importedFunctions + i) ?? `(function ${i})`;
    const crate = crateOf(name);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + size);
    return { size, name: readableName(name) };
  });
  const code = module.bodies.reduce((sum, size) => sum + size, 0);
  return {
    code,
    data: module.data,
    functions: functions.length,
    crates: [...byCrate].map(([crate, size]) => ({ crate, size })).sort((a, b) => b.size - a.size),
    largest: functions.sort((a, b) => b.size - a.size).slice(0, top),
  };
}

/**
 * Throws unless `named` has the same function bodies and data as `shipped`: a copy that only
 * adds a name section. Names are in a custom section, so the code itself must be identical.
 */
export function checkSameCode(named, shipped) {
  const a = parseModule(named);
  const b = parseModule(shipped);
  const same =
    a.importedFunctions === b.importedFunctions &&
    a.data === b.data &&
    a.bodies.length === b.bodies.length &&
    a.bodies.every((size, i) => size === b.bodies[i]);
  if (!same) {
    throw new Error("the named copy's code or data differs from the shipped module's: it was not built from the same input with the same wasm-opt flags");
  }
}

function main([command, ...args]) {
  if (command === "breakdown" && args.length >= 1 && args.length <= 3) {
    const top = Number(args[1] ?? 25);
    const named = readFileSync(args[0]);
    if (args[2]) checkSameCode(named, readFileSync(args[2]));
    const report = breakdown(named, top);
    console.log(
      `code ${report.code} bytes in ${report.functions} functions; data segments ${report.data} bytes`,
    );
    console.log("\nby crate (function bodies, bytes):");
    for (const { crate, size } of report.crates.slice(0, top)) {
      console.log(`${String(size).padStart(9)}  ${crate}`);
    }
    console.log(`\nthe ${top} largest functions (bytes):`);
    for (const { size, name } of report.largest) {
      console.log(`${String(size).padStart(9)}  ${name.length > 150 ? `${name.slice(0, 150)}…` : name}`);
    }
  } else {
    console.error("usage: wasm-size.mjs breakdown NAMED_FILE [TOP] [SHIPPED_FILE]");
    process.exit(2);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`wasm-size: ${error.message}`);
    process.exit(1);
  }
}
