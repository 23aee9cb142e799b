// A deck.gl layer that draws many paths of one colour and pixel width as one non-instanced,
// indexed triangle mesh (TripMesh, built in the data worker; lineMesh.ts). deck.gl's PathLayer draws
// one instance per segment; software WebGL (SwiftShader) pays a fixed cost per instance, so the
// Porto trips (~92k segments) froze the page for 12–15 s when they first showed and 4–7 s per
// redraw. This mesh takes about a sixth of that, and the page does no tessellation at all
// (docs/architecture.md, "From a file to the map").
import { Layer, picking, project32 } from '@deck.gl/core';
import type { Color, DefaultProps, LayerContext, LayerProps, UpdateParameters } from '@deck.gl/core';
import type { TripMesh } from '../../../workers/dataMessages';
import { buildTripMesh } from '../../../workers/renderData';
import { MAP_START } from './roadLayer';
import { LINE_FS, LINE_MESH_GLSL, LineMeshModel } from './lineMesh';

const uniformBlock = /* glsl */ `\
layout(std140) uniform tripLinesUniforms {
  vec4 color;
  float widthPixels;
} tripLines;
`;

const tripLinesUniforms = {
  name: 'tripLines',
  vs: uniformBlock,
  fs: uniformBlock,
  uniformTypes: { color: 'vec4<f32>', widthPixels: 'f32' },
} as const;

const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME trip-lines-layer-vertex-shader
in vec2 positions;
in vec2 toPrev;
in vec2 toNext;
in float sides;
in float rowIndexes;
out vec4 vColor;
${LINE_MESH_GLSL}
void main(void) {
  gl_Position = lineMeshPosition(positions, toPrev, toNext, sides, tripLines.widthPixels, rowIndexes);
  vColor = vec4(tripLines.color.rgb, tripLines.color.a * layer.opacity);
  DECKGL_FILTER_COLOR(vColor, geometry);
}
`;

interface TripLinesProps {
  /** The geometry; a new object re-uploads it, the same object keeps the GPU buffers. */
  mesh: TripMesh | null;
  /** RGBA, 0–255. */
  color: Color;
  widthPixels: number;
}

export type TripLinesLayerProps = TripLinesProps & LayerProps;

const defaultProps: DefaultProps<TripLinesProps> = {
  mesh: { type: 'object', value: null, compare: false },
  color: { type: 'color', value: [0, 0, 0, 255] },
  widthPixels: { type: 'number', value: 1, min: 0 },
};

export class TripLinesLayer extends Layer<TripLinesProps> {
  static layerName = 'TripLinesLayer';
  static defaultProps = defaultProps;

  declare state: { lines: LineMeshModel | null };

  getShaders() {
    return super.getShaders({ vs, fs: LINE_FS, modules: [project32, picking, tripLinesUniforms] });
  }

  initializeState(): void {
    this.setState({ lines: new LineMeshModel(this.context.device, { ...this.getShaders(), id: this.props.id }) });
  }

  /** deck.gl sets the projection and picking uniforms on these before each draw. */
  getModels() {
    return this.state.lines ? [this.state.lines.model] : [];
  }

  updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const { props, oldProps } = params;
    if (props.mesh !== oldProps.mesh) this.state.lines?.upload(props.mesh);
  }

  draw(): void {
    const { lines } = this.state;
    if (!lines || lines.empty) return;
    const [r, g, b, a = 255] = this.props.color;
    lines.model.shaderInputs.setProps({ tripLines: { color: [r / 255, g / 255, b / 255, a / 255], widthPixels: this.props.widthPixels } });
    lines.model.draw(this.context.renderPass);
  }

  finalizeState(context: LayerContext): void {
    super.finalizeState(context);
    this.state.lines?.destroy();
  }
}

/** One short segment where the map opens, for tripLinesWarmUp. */
const [lon, lat] = MAP_START.center;
const WARM_UP_MESH = buildTripMesh({
  count: 1,
  starts: new Uint32Array([0, 2]),
  positions: new Float32Array([lon, lat, lon + 0.01, lat]),
});

/**
 * A transparent one-segment layer to show while the data loads: a software renderer compiles a
 * shader when it first draws with it, so this moves that compile (0.15–0.4 s measured on
 * SwiftShader) out of the frame that first draws the trips.
 */
export function tripLinesWarmUp(id: string): TripLinesLayer {
  return new TripLinesLayer({ id, mesh: WARM_UP_MESH, color: [0, 0, 0, 0], widthPixels: 1 });
}
