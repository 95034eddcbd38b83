/**
 * The terminal's public face, src/terminal/index.ts (as Kysely's scripts/check-exports checks its
 * index): the CLI reaches the terminal only through it, and it lets out nothing that the CLI, the
 * benchmark or the tests do not use. The lint rule (eslint.config.js) is the guard while editing;
 * this reads the import graph itself, dynamic imports included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FACE = join(ROOT, 'src/terminal/index.ts');
/** The light face (eslint.config.js TERMINAL_LIGHT_FACE): small modules every CLI start loads directly. */
const LIGHT_FACE = ['install-paths', 'identity/officer-token', 'identity/load-identity'].map((m) => join(ROOT, `src/terminal/${m}.ts`));
const TERMINAL = join(ROOT, 'src/terminal') + '/';

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, dir, f));
}

/** One module path a file imports, with the names it takes ('*' for a namespace or export *). */
interface ImportOf {
  readonly target: string;
  readonly names: readonly string[];
}

/** Every import of a file to a relative path: static, re-exports, import() and import('...').T. */
function importsOf(file: string): ImportOf[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: ImportOf[] = [];
  const add = (spec: ts.Node | undefined, names: readonly string[]) => {
    if (!spec || !ts.isStringLiteralLike(spec) || !spec.text.startsWith('.')) return;
    out.push({ target: resolve(dirname(file), spec.text).replace(/\.js$/, '.ts'), names });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const names = !bindings ? [] : ts.isNamespaceImport(bindings) ? ['*'] : bindings.elements.map((e) => (e.propertyName ?? e.name).text);
      add(node.moduleSpecifier, clause?.name ? ['default', ...names] : names);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      add(node.moduleSpecifier, clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : clause && ts.isNamespaceExport(clause) ? [clause.name.text] : ['*']);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], ['*']);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, node.qualifier ? [ts.isIdentifier(node.qualifier) ? node.qualifier.text : node.qualifier.left.getText()] : ['*']);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * The names the CLI takes from the face it loads when a command runs (src/cli/lazy.ts:
 * `loadTerminal = () => import('../terminal/index.js')`): `const { a, b } = await loadTerminal()`,
 * `const [{ a }, …] = await Promise.all([loadTerminal(), …])` and `(await loadTerminal()).a`.
 */
function lazilyUsed(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const isLoad = (n: ts.Node): boolean => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'loadTerminal';
  const unwrap = (n: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(n) ? unwrap(n.expression) : ts.isAwaitExpression(n) ? unwrap(n.expression) : n);
  const names = (p: ts.BindingName) => (ts.isObjectBindingPattern(p) ? p.elements.map((e) => (e.propertyName ?? e.name).getText()) : []);
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.initializer) {
      const init = unwrap(node.initializer);
      if (isLoad(init)) out.push(...names(node.name));
      // Promise.all([loadTerminal(), ...]) destructured by position.
      else if (ts.isCallExpression(init) && init.expression.getText() === 'Promise.all' && ts.isArrayLiteralExpression(init.arguments[0]!) && ts.isArrayBindingPattern(node.name)) {
        init.arguments[0].elements.forEach((e, i) => {
          const b = (node.name as ts.ArrayBindingPattern).elements[i];
          if (isLoad(e) && b && ts.isBindingElement(b)) out.push(...names(b.name));
        });
      }
    } else if (ts.isPropertyAccessExpression(node) && isLoad(unwrap(node.expression))) out.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The names src/terminal/index.ts exports. */
function faceExports(): string[] {
  return importsOf(FACE).flatMap((i) => i.names);
}

describe('the terminal\'s public face (src/terminal/index.ts)', () => {
  it('is the only module of src/terminal/ that the CLI imports', () => {
    const below = tsFiles('src/cli').flatMap((file) =>
      importsOf(file)
        .filter((i) => i.target.startsWith(TERMINAL) && i.target !== FACE && !LIGHT_FACE.includes(i.target))
        .map((i) => `${relative(ROOT, file)} imports ${relative(ROOT, i.target)}`),
    );
    expect(below).toEqual([]);
  });

  it('exports only names that the CLI, the benchmark or the tests use', () => {
    const exported = faceExports();
    expect(exported).not.toContain('*');
    const used = new Set(
      [...tsFiles('src/cli'), ...tsFiles('src/bench'), ...tsFiles('test')].flatMap((file) => [
        ...importsOf(file).filter((i) => i.target === FACE && !(i.names.length === 1 && i.names[0] === '*' && file.endsWith('src/cli/lazy.ts'))).flatMap((i) => i.names),
        ...(file.includes('/src/cli/') ? lazilyUsed(file) : []),
      ]),
    );
    expect(exported.filter((name) => !used.has(name))).toEqual([]);
  });
});
