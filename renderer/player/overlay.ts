// The attention tint on the GPU (three.js, WebGL): one full-canvas quad whose shader samples the
// current video frame, the map (an 8-bit DataTexture with LinearFilter, i.e. bilinear upsampling
// from e.g. 14x14 to the frame) and a 256-entry colour map, and mixes them by the rule of
// src/media/tint.ts (opacity x attention, nothing below the threshold), as exports do. The
// video frame and the map are updated together from the player's per-frame callback, so the tint
// always belongs to the frame on screen.
import * as THREE from 'three';

const VERTEX = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = vec4(position.xy, 0.0, 1.0);
}`;

const FRAGMENT = /* glsl */ `
uniform sampler2D uVideo;
uniform sampler2D uMap;
uniform sampler2D uLut;
uniform float uOpacity;
uniform float uThreshold;
uniform float uHasMap;
uniform float uHasVideo;
varying vec2 vUv;
void main() {
  vec3 base = uHasVideo > 0.5 ? texture2D(uVideo, vUv).rgb : vec3(0.0);
  // maps are stored top row first; the texture's first row is at v = 0
  float a = texture2D(uMap, vec2(vUv.x, 1.0 - vUv.y)).r;
  vec3 tint = texture2D(uLut, vec2(a * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
  // src/media/tint.ts, 'attention' blend: weight opacity x attention, none below the threshold
  float w = (uThreshold > 0.0 && a < uThreshold) ? 0.0 : uOpacity * a;
  gl_FragColor = vec4(mix(base, tint, w * uHasMap), 1.0);
}`;

export class AttentionOverlay {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly material: THREE.ShaderMaterial;
  private readonly videoTex: THREE.VideoTexture;
  private mapTex: THREE.DataTexture;
  private readonly lutTex: THREE.DataTexture;

  constructor(readonly canvas: HTMLCanvasElement, private readonly video: HTMLVideoElement) {
    // preserveDrawingBuffer: the canvas can be read back (screenshots, tests) after a frame
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: false, preserveDrawingBuffer: true });
    // VideoTexture: re-uploaded with texImage2D on every presented frame (its own
    // requestVideoFrameCallback, registered before the player's, so the player's draw sees it)
    this.videoTex = new THREE.VideoTexture(video);
    this.mapTex = this.makeMapTexture(new Uint8Array(1), 1, 1);
    this.lutTex = new THREE.DataTexture(new Uint8Array(256 * 4), 256, 1, THREE.RGBAFormat, THREE.UnsignedByteType);
    this.lutTex.magFilter = THREE.LinearFilter;
    this.lutTex.minFilter = THREE.LinearFilter;
    this.material = new THREE.ShaderMaterial({
      vertexShader: VERTEX,
      fragmentShader: FRAGMENT,
      uniforms: {
        uVideo: { value: this.videoTex },
        uMap: { value: this.mapTex },
        uLut: { value: this.lutTex },
        uOpacity: { value: 0.5 },
        uThreshold: { value: 0 },
        uHasMap: { value: 0 },
        uHasVideo: { value: 0 },
      },
      depthTest: false,
      depthWrite: false,
    });
    this.scene.add(new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.material));
  }

  private makeMapTexture(bytes: Uint8Array, w: number, h: number): THREE.DataTexture {
    const t = new THREE.DataTexture(bytes, w, h, THREE.RedFormat, THREE.UnsignedByteType);
    t.magFilter = THREE.LinearFilter;
    t.minFilter = THREE.LinearFilter;
    t.wrapS = THREE.ClampToEdgeWrapping;
    t.wrapT = THREE.ClampToEdgeWrapping;
    t.unpackAlignment = 1;
    t.needsUpdate = true;
    return t;
  }

  /** colour map as 256 RGB triples (src/media/colormaps.ts, the same tables as the export) */
  setColormap(rgb: Uint8Array): void {
    const d = this.lutTex.image.data as Uint8Array;
    for (let i = 0; i < 256; i++) {
      d[i * 4] = rgb[i * 3]!;
      d[i * 4 + 1] = rgb[i * 3 + 1]!;
      d[i * 4 + 2] = rgb[i * 3 + 2]!;
      d[i * 4 + 3] = 255;
    }
    this.lutTex.needsUpdate = true;
  }

  setOpacity(o: number): void {
    this.material.uniforms.uOpacity!.value = o;
  }

  setThreshold(t: number): void {
    this.material.uniforms.uThreshold!.value = t;
  }

  /** bytes: w*h, row-major from the top; null hides the tint */
  setMap(bytes: Uint8Array | null, w: number, h: number): void {
    if (!bytes) {
      this.material.uniforms.uHasMap!.value = 0;
      return;
    }
    const img = this.mapTex.image as { data: Uint8Array; width: number; height: number };
    if (img.width !== w || img.height !== h) {
      this.mapTex.dispose();
      this.mapTex = this.makeMapTexture(bytes.slice(), w, h);
      this.material.uniforms.uMap!.value = this.mapTex;
    } else {
      img.data.set(bytes);
      this.mapTex.needsUpdate = true;
    }
    this.material.uniforms.uHasMap!.value = 1;
  }

  /** the canvas's pixel size: the video's, capped so that huge clips stay cheap */
  resize(w: number, h: number): void {
    const s = Math.min(1, 1280 / Math.max(w, h));
    this.renderer.setSize(Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s)), false);
  }

  /** Draws the current video frame with the current map. */
  render(): void {
    const ready = this.video.readyState >= 2 && this.video.videoWidth > 0;
    this.material.uniforms.uHasVideo!.value = ready ? 1 : 0;
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    this.material.dispose();
    this.videoTex.dispose();
    this.mapTex.dispose();
    this.lutTex.dispose();
    this.renderer.dispose();
  }
}
