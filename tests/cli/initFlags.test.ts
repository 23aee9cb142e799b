import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseArgs } from '../../src/cli/common/args';
import { commandDecl } from '../../src/cli/common/commandFlags';
import { hyperFromFlags, withInitSettings } from '../../src/cli/train/studentFlags';
import { decodeCheckpoint } from '../../src/lib/checkpoint/checkpoint';
import type { SessionHyper } from '../../src/lib/train/sessionHyper';

// `train student --init <ckpt>` takes the checkpoint's architecture and route corpus by itself
// (issue 66: the shipped Porto student was refused, "routeFeatures … vs absent", unless
// --route-features was repeated); a flag that contradicts it is refused in one line.
const SHIPPED = 'public/checkpoints/porto/vanilla.safetensors';
const shipped = decodeCheckpoint(new Uint8Array(readFileSync(SHIPPED))).hyper as Partial<SessionHyper>;
const settings = (line: string, saved: Partial<SessionHyper> = shipped) => {
  const p = parseArgs(line.split(' ').filter(Boolean), commandDecl('train student', 'u'));
  return withInitSettings(p, hyperFromFlags(p), saved, 'vanilla.safetensors');
};

describe('train student --init', () => {
  it("takes the shipped student's size, route features and route corpus without flags", () => {
    expect([shipped.size, shipped.routeFeatures, shipped.routes]).toEqual(['small', true, true]);
    const h = settings(`student --init ${SHIPPED} --size small --lr 3e-4`);
    expect([h.size, h.routeFeatures, h.routes, h.idFree, h.lr]).toEqual(['small', true, true, false, 3e-4]);
    expect(settings(`student --init ${SHIPPED}`).routeFeatures).toBe(true);
    // Repeating what the checkpoint says is fine.
    expect(settings(`student --init ${SHIPPED} --route-features --routes`).routes).toBe(true);
  });

  it('refuses a flag that contradicts the checkpoint, naming the flag and its value', () => {
    expect(() => settings(`student --init ${SHIPPED} --size default`)).toThrow(
      /^--size default contradicts --init vanilla\.safetensors, whose size is small: leave the flag out/,
    );
    const plain = { ...shipped, routeFeatures: false, routes: false };
    expect(() => settings('student --route-features', plain)).toThrow(
      /^--route-features contradicts --init vanilla\.safetensors, whose routeFeatures is false/,
    );
    expect(() => settings('student --routes', plain)).toThrow(/^--routes contradicts .* whose routes is false/);
    expect(() => settings('student --id-free', plain)).toThrow(/^--id-free contradicts .* whose idFree is false/);
  });
});
