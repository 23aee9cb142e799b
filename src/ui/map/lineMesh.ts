// What the two line layers share: the GLSL that widens a line mesh (TripMesh) on screen, and the GPU
// model that holds one. TripLinesLayer draws many paths in one colour and width (the trips);
// StyledPathsLayer gives each path its own (the teaching view). Both draw one non-instanced mesh:
// software WebGL (SwiftShader) pays per instance for deck.gl's PathLayer, and builds its pipeline
// 3–4 times slower (docs/architecture.md, "From a file to the map").
import type { LayerContext } from '@deck.gl/core';
import { Model } from '@luma.gl/engine';
import type { TripMesh } from '../../../workers/dataMessages';

// Each mesh vertex is pushed half the width to its side along the miter of its two segments
// (clamped at twice the half width, so a U-turn does not spike), which joins segments without gaps
// or double-blended overlaps. The offset is in pixels, as in deck.gl's LineLayer. Only the vertex
// itself is projected: a segment's direction is its lon/lat step scaled as Web Mercator scales it
// at this latitude (1/cos φ north–south; exact to first order over one segment) and mapped to the
// screen by the view matrix, which halves the vertex cost on a software renderer.
export const LINE_MESH_GLSL = /* glsl */ `\
vec2 screenDirection(vec2 lngLatStep, float cosLat) {
  vec2 d = (project.viewProjectionMatrix * vec4(lngLatStep.x, lngLatStep.y / cosLat, 0.0, 0.0)).xy * project.viewportSize;
  float len = length(d);
  return len > 1e-9 ? d / len : vec2(0.0);
}

vec2 lineOffsetPixels(vec2 lngLat, vec2 toPrev, vec2 toNext, float side, float widthPixels) {
  float cosLat = cos(radians(lngLat.y));
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
  return miter * side * widthPixels * 0.5 / cosHalf;
}

// A mesh vertex's clip-space position, with deck.gl's geometry (picking colour) and filters.
vec4 lineMeshPosition(vec2 lngLat, vec2 toPrev, vec2 toNext, float side, float widthPixels, float rowIndex) {
  vec3 here = vec3(lngLat, 0.0);
  geometry.worldPosition = here;
  geometry.pickingColor = picking_getPickingColorFromIndex(rowIndex);
  vec4 cur = project_position_to_clipspace(here, vec3(0.0), vec3(0.0), geometry.position);
  vec3 offset = vec3(lineOffsetPixels(lngLat, toPrev, toNext, side, widthPixels), 0.0);
  DECKGL_FILTER_SIZE(offset, geometry);
  DECKGL_FILTER_GL_POSITION(cur, geometry);
  return cur + vec4(project_pixel_size_to_clipspace(offset.xy), 0.0, 0.0);
}
`;

/** The vertex colour, as deck.gl's filters leave it. */
export const LINE_FS = /* glsl */ `\
#version 300 es
#define SHADER_NAME line-mesh-fragment-shader
precision highp float;
in vec4 vColor;
out vec4 fragColor;
void main(void) {
  fragColor = vColor;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

type GpuBuffer = ReturnType<LayerContext['device']['createBuffer']>;
type Shaders = ConstructorParameters<typeof Model>[1];
/** luma.gl's Buffer.VERTEX and Buffer.INDEX usage flags. */
const VERTEX_USAGE = 0x0020;
const INDEX_USAGE = 0x0010;

/** Per-vertex attributes beyond the mesh's own, with their luma.gl vertex formats. */
export interface ExtraAttribute {
  name: string;
  format: 'unorm8x4' | 'float32';
}

/** A TripMesh on the GPU: its model and buffers, replaced whole on every upload. */
export class LineMeshModel {
  readonly model: Model;
  private buffers: GpuBuffer[] = [];
  private indexCount = 0;

  constructor(
    private readonly device: LayerContext['device'],
    shaders: Pick<NonNullable<Shaders>, 'vs' | 'fs' | 'modules' | 'defines'> & { id?: string },
    extra: ExtraAttribute[] = [],
  ) {
    this.model = new Model(device, {
      ...shaders,
      topology: 'triangle-list',
      bufferLayout: [
        { name: 'positions', format: 'float32x2' },
        { name: 'toPrev', format: 'float32x2' },
        { name: 'toNext', format: 'float32x2' },
        { name: 'sides', format: 'float32' },
        { name: 'rowIndexes', format: 'float32' },
        ...extra,
      ],
      vertexCount: 0,
    });
  }

  /** `extra` holds one array per ExtraAttribute, per mesh vertex. */
  upload(mesh: TripMesh | null, extra: Record<string, Float32Array | Uint8Array> = {}): void {
    this.release();
    this.indexCount = mesh?.indices.length ?? 0;
    if (!mesh) return;
    const vertex = (data: Float32Array | Uint8Array) => this.device.createBuffer({ usage: VERTEX_USAGE, data });
    const attributes: Record<string, GpuBuffer> = {
      positions: vertex(mesh.positions),
      toPrev: vertex(mesh.toPrev),
      toNext: vertex(mesh.toNext),
      sides: vertex(mesh.sides),
      rowIndexes: vertex(mesh.rows),
    };
    for (const [name, data] of Object.entries(extra)) attributes[name] = vertex(data);
    const indices = this.device.createBuffer({ usage: INDEX_USAGE, indexType: 'uint32', data: mesh.indices });
    this.model.setAttributes(attributes);
    this.model.setIndexBuffer(indices);
    this.model.setVertexCount(this.indexCount);
    this.buffers = [...Object.values(attributes), indices];
  }

  get empty(): boolean {
    return this.indexCount === 0;
  }

  private release(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers = [];
  }

  destroy(): void {
    this.release();
    this.model.destroy();
  }
}
