// The one material every slice is drawn with (2-D views and the 3-D planes): the raw intensities
// and the attention as float textures, windowed and tinted in the fragment shader, so dragging the
// window or the opacity redraws without touching the voxels on the CPU.
import * as THREE from 'three';

const VERTEX = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

const FRAGMENT = /* glsl */ `
precision highp float;
uniform sampler2D uScan;
uniform sampler2D uAtt;
uniform sampler2D uLut;
uniform float uLo;
uniform float uHi;
uniform float uOpacity;
uniform float uThreshold;
uniform float uHasAtt;
varying vec2 vUv;
void main() {
  float v = texture2D(uScan, vUv).r;
  float g = clamp((v - uLo) / max(uHi - uLo, 1e-6), 0.0, 1.0);
  vec3 col = vec3(g);
  if (uHasAtt > 0.5) {
    float a = texture2D(uAtt, vUv).r;
    if (a > 0.0 && a >= uThreshold) {
      vec3 c = texture2D(uLut, vec2(clamp(a, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
      col = mix(col, c, uOpacity);
    }
  }
  gl_FragColor = vec4(col, 1.0);
}`;

/** A single-channel float texture of w x h values (nearest: voxels stay voxels). */
export function floatTexture(data: Float32Array, w: number, h: number): THREE.DataTexture {
  const t = new THREE.DataTexture(data, w, h, THREE.RedFormat, THREE.FloatType);
  t.magFilter = THREE.NearestFilter;
  t.minFilter = THREE.NearestFilter;
  t.generateMipmaps = false;
  t.needsUpdate = true;
  return t;
}

/** A 256x1 RGBA texture of a colour map given as 768 bytes R,G,B (src/media/colormaps). */
export function lutTexture(rgb: Uint8Array): THREE.DataTexture {
  const t = new THREE.DataTexture(new Uint8Array(256 * 4), 256, 1, THREE.RGBAFormat, THREE.UnsignedByteType);
  t.magFilter = THREE.LinearFilter;
  t.minFilter = THREE.LinearFilter;
  setLutColours(t, rgb);
  return t;
}

/** Replaces a colour map texture's colours in place (every material using it follows). */
export function setLutColours(t: THREE.DataTexture, rgb: Uint8Array): void {
  const rgba = t.image.data as Uint8Array;
  for (let i = 0; i < 256; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  t.needsUpdate = true;
}

export interface SliceLook {
  lo: number;
  hi: number;
  opacity: number;
  threshold: number;
  showAttention: boolean;
}

export function sliceMaterial(scan: THREE.Texture, att: THREE.Texture, lut: THREE.Texture): THREE.ShaderMaterial {
  return new THREE.ShaderMaterial({
    vertexShader: VERTEX,
    fragmentShader: FRAGMENT,
    side: THREE.DoubleSide,
    uniforms: {
      uScan: { value: scan },
      uAtt: { value: att },
      uLut: { value: lut },
      uLo: { value: 0 },
      uHi: { value: 1 },
      uOpacity: { value: 0.5 },
      uThreshold: { value: 0 },
      uHasAtt: { value: 0 },
    },
  });
}

export function applyLook(m: THREE.ShaderMaterial, look: SliceLook, hasAttention: boolean): void {
  const u = m.uniforms;
  u.uLo!.value = look.lo;
  u.uHi!.value = look.hi;
  u.uOpacity!.value = look.opacity;
  u.uThreshold!.value = look.threshold;
  u.uHasAtt!.value = hasAttention && look.showAttention ? 1 : 0;
}

/** Resizes the renderer's drawing buffer to its element (at least 1x1) when it changed; returns the size. */
export function fitRendererTo(renderer: THREE.WebGLRenderer, element: HTMLElement): { w: number; h: number } {
  const w = Math.max(1, element.clientWidth);
  const h = Math.max(1, element.clientHeight);
  const size = renderer.getSize(new THREE.Vector2());
  if (size.x !== w || size.y !== h) renderer.setSize(w, h, false);
  return { w, h };
}
