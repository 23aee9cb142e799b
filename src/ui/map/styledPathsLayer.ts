// A deck.gl layer for a few paths, each with its own colour and pixel width (the teaching view's
// trip, candidates and cell outlines): the same line mesh as TripLinesLayer (lineMesh.ts) with the
// colour and width per vertex. It replaces deck.gl's PathLayer there because a software renderer
// (SwiftShader) builds PathLayer's pipeline in 0.4–1.4 s, during which the page is frozen
// (docs/architecture.md, "From a file to the map"). Joins are mitred and ends are square.
import { Layer, picking, project32 } from '@deck.gl/core';
import type { DefaultProps, LayerContext, LayerProps, UpdateParameters } from '@deck.gl/core';
import type { LonLat } from '../../lib/data/types';
import { buildTripMesh } from '../../../workers/renderData';
import { LINE_FS, LINE_MESH_GLSL, LineMeshModel } from './lineMesh';

const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME styled-paths-layer-vertex-shader
in vec2 positions;
in vec2 toPrev;
in vec2 toNext;
in float sides;
in float rowIndexes;
in vec4 colors;
in float widths;
out vec4 vColor;
${LINE_MESH_GLSL}
void main(void) {
  gl_Position = lineMeshPosition(positions, toPrev, toNext, sides, widths, rowIndexes);
  vColor = vec4(colors.rgb, colors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vColor, geometry);
}
`;

type Rgba = readonly [number, number, number, number];

interface StyledPathsProps<D> {
  data: readonly D[];
  getPath: (d: D) => LonLat[];
  /** RGBA, 0–255. */
  getColor: (d: D) => Rgba;
  getWidth: (d: D) => number;
}

export type StyledPathsLayerProps<D> = StyledPathsProps<D> & LayerProps;

const defaultProps: DefaultProps<StyledPathsProps<unknown>> = {
  data: { type: 'data', value: [] },
  getPath: { type: 'function', value: () => [] },
  getColor: { type: 'function', value: () => [0, 0, 0, 255] },
  getWidth: { type: 'function', value: () => 1 },
};

export class StyledPathsLayer<D> extends Layer<StyledPathsProps<D>> {
  static layerName = 'StyledPathsLayer';
  static defaultProps = defaultProps;

  declare state: { lines: LineMeshModel | null };

  getShaders() {
    return super.getShaders({ vs, fs: LINE_FS, modules: [project32, picking] });
  }

  initializeState(): void {
    const extra = [
      { name: 'colors', format: 'unorm8x4' as const },
      { name: 'widths', format: 'float32' as const },
    ];
    this.setState({ lines: new LineMeshModel(this.context.device, { ...this.getShaders(), id: this.props.id }, extra) });
  }

  /** deck.gl sets the projection and picking uniforms on these before each draw. */
  getModels() {
    return this.state.lines ? [this.state.lines.model] : [];
  }

  updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const { changeFlags } = params;
    if (changeFlags.dataChanged || changeFlags.updateTriggersChanged) this.rebuild();
  }

  /** A few paths: the whole mesh is rebuilt on any change. Picking reports the datum's index. */
  private rebuild(): void {
    const { data, getPath, getColor, getWidth } = this.props;
    const paths = data.map(getPath);
    const starts = new Uint32Array(paths.length + 1);
    paths.forEach((p, i) => (starts[i + 1] = starts[i] + p.length));
    const positions = new Float32Array(2 * starts[paths.length]);
    paths.forEach((p, i) => p.forEach(([x, y], j) => positions.set([x, y], 2 * (starts[i] + j))));
    const mesh = buildTripMesh({ count: paths.length, starts, positions });
    const n = mesh.rows.length;
    const colors = new Uint8Array(4 * n);
    const widths = new Float32Array(n);
    const styles = data.map((d) => ({ color: getColor(d), width: getWidth(d) }));
    for (let v = 0; v < n; v++) {
      const { color, width } = styles[mesh.rows[v]];
      colors.set(color, 4 * v);
      widths[v] = width;
    }
    this.state.lines?.upload(mesh, { colors, widths });
  }

  draw(): void {
    const { lines } = this.state;
    if (lines && !lines.empty) lines.model.draw(this.context.renderPass);
  }

  finalizeState(context: LayerContext): void {
    super.finalizeState(context);
    this.state.lines?.destroy();
  }
}
