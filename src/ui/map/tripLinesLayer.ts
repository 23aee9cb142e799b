// A deck.gl layer that draws many paths of one colour and pixel width as one non-instanced,
// indexed triangle mesh (TripMesh, built in the data worker). deck.gl's PathLayer draws one
// instance per segment; software WebGL (SwiftShader) pays a fixed cost per instance, so the Porto
// trips (~92k segments) froze the page for 12–15 s when they first showed and 4–7 s per redraw.
// This mesh takes about a sixth of that, and the page does no tessellation at all
// (docs/architecture.md, "From a file to the map").
import { Layer, picking, project32 } from '@deck.gl/core';
import type { Color, DefaultProps, LayerContext, LayerProps, UpdateParameters } from '@deck.gl/core';
import { Model } from '@luma.gl/engine';
import type { TripMesh } from '../../../workers/dataMessages';
import { buildTripMesh } from '../../../workers/renderData';
import { MAP_START } from './roadLayer';

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

// Each mesh vertex is pushed half the width to its side along the miter of its two segments
// (clamped at twice the half width, so a U-turn does not spike), which joins segments without gaps
// or double-blended overlaps. The offset is in pixels, as in deck.gl's LineLayer. Only the vertex
// itself is projected: a segment's direction is its lon/lat step scaled as Web Mercator scales it
// at this latitude (1/cos φ north–south; exact to first order over one segment) and mapped to the
// screen by the view matrix, which halves the vertex cost on a software renderer.
const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME trip-lines-layer-vertex-shader
in vec2 positions;
in vec2 toPrev;
in vec2 toNext;
in float sides;
in float rowIndexes;
out vec4 vColor;

vec2 screenDirection(vec2 lngLatStep, float cosLat) {
  vec2 d = (project.viewProjectionMatrix * vec4(lngLatStep.x, lngLatStep.y / cosLat, 0.0, 0.0)).xy * project.viewportSize;
  float len = length(d);
  return len > 1e-9 ? d / len : vec2(0.0);
}

void main(void) {
  vec3 here = vec3(positions, 0.0);
  geometry.worldPosition = here;
  geometry.pickingColor = picking_getPickingColorFromIndex(rowIndexes);
  vec4 cur = project_position_to_clipspace(here, vec3(0.0), vec3(0.0), geometry.position);
  float cosLat = cos(radians(positions.y));
  vec2 dirIn = -screenDirection(toPrev, cosLat);
  vec2 dirOut = screenDirection(toNext, cosLat);
  if (dirIn == vec2(0.0)) dirIn = dirOut;
  if (dirOut == vec2(0.0)) dirOut = dirIn;
  vec2 normalIn = vec2(-dirIn.y, dirIn.x);
  vec2 normalOut = vec2(-dirOut.y, dirOut.x);
  vec2 miter = normalIn + normalOut;
  float miterLen = length(miter);
  miter = miterLen > 1e-6 ? miter / miterLen : normalOut;
  float cosHalf = max(dot(miter, normalOut), 0.5);
  vec3 offset = vec3(miter * sides * tripLines.widthPixels * 0.5 / cosHalf, 0.0);
  DECKGL_FILTER_SIZE(offset, geometry);
  DECKGL_FILTER_GL_POSITION(cur, geometry);
  gl_Position = cur + vec4(project_pixel_size_to_clipspace(offset.xy), 0.0, 0.0);
  vColor = vec4(tripLines.color.rgb, tripLines.color.a * layer.opacity);
  DECKGL_FILTER_COLOR(vColor, geometry);
}
`;

const fs = /* glsl */ `\
#version 300 es
#define SHADER_NAME trip-lines-layer-fragment-shader
precision highp float;
in vec4 vColor;
out vec4 fragColor;
void main(void) {
  fragColor = vColor;
  DECKGL_FILTER_COLOR(fragColor, geometry);
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

type GpuBuffer = ReturnType<LayerContext['device']['createBuffer']>;
/** luma.gl's Buffer.VERTEX and Buffer.INDEX usage flags. */
const VERTEX_USAGE = 0x0020;
const INDEX_USAGE = 0x0010;

const defaultProps: DefaultProps<TripLinesProps> = {
  mesh: { type: 'object', value: null, compare: false },
  color: { type: 'color', value: [0, 0, 0, 255] },
  widthPixels: { type: 'number', value: 1, min: 0 },
};

export class TripLinesLayer extends Layer<TripLinesProps> {
  static layerName = 'TripLinesLayer';
  static defaultProps = defaultProps;

  declare state: { model: Model | null; buffers: GpuBuffer[] };

  getShaders() {
    return super.getShaders({ vs, fs, modules: [project32, picking, tripLinesUniforms] });
  }

  initializeState(): void {
    const model = new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      topology: 'triangle-list',
      isIndexed: true,
      bufferLayout: [
        { name: 'positions', format: 'float32x2' },
        { name: 'toPrev', format: 'float32x2' },
        { name: 'toNext', format: 'float32x2' },
        { name: 'sides', format: 'float32' },
        { name: 'rowIndexes', format: 'float32' },
      ],
      vertexCount: 0,
    });
    this.setState({ model, buffers: [] });
  }

  updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    const { props, oldProps } = params;
    if (props.mesh !== oldProps.mesh) this.upload(props.mesh);
  }

  private upload(mesh: TripMesh | null): void {
    const { model } = this.state;
    this.releaseBuffers();
    if (!model || !mesh) return;
    const { device } = this.context;
    const vertex = (data: Float32Array) => device.createBuffer({ usage: VERTEX_USAGE, data });
    const attributes = {
      positions: vertex(mesh.positions),
      toPrev: vertex(mesh.toPrev),
      toNext: vertex(mesh.toNext),
      sides: vertex(mesh.sides),
      rowIndexes: vertex(mesh.rows),
    };
    const indices = device.createBuffer({ usage: INDEX_USAGE, indexType: 'uint32', data: mesh.indices });
    model.setAttributes(attributes);
    model.setIndexBuffer(indices);
    model.setVertexCount(mesh.indices.length);
    this.state.buffers = [...Object.values(attributes), indices];
  }

  private releaseBuffers(): void {
    for (const b of this.state.buffers) b.destroy();
    this.state.buffers = [];
  }

  draw(): void {
    const { model } = this.state;
    if (!model || !this.props.mesh || this.props.mesh.indices.length === 0) return;
    const [r, g, b, a = 255] = this.props.color;
    model.shaderInputs.setProps({ tripLines: { color: [r / 255, g / 255, b / 255, a / 255], widthPixels: this.props.widthPixels } });
    model.draw(this.context.renderPass);
  }

  finalizeState(context: LayerContext): void {
    super.finalizeState(context);
    this.releaseBuffers();
    this.state.model?.destroy();
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
