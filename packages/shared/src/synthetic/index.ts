/** Synthetic film for tests, the demo, training and the benchmark. */
export * from './film-sequence.js';
export * from './synthetic-clip.js';
export { subSeed, rng, gammaSample, gammaCount, type Rand } from './random.js';
export { valueNoise, fractalNoise, type Noise2 } from './value-noise.js';
export { loadCleanImages, readCleanImage, proceduralPlate, plateSize, DEFAULT_PLATE_MARGIN, type Plate } from './plates.js';
export {
  planFilmLook,
  renderFilmFrame,
  samplePlate,
  addGrain,
  grainCurve,
  blurUnitNoise,
  cameraPath,
  FILM_STOCKS,
  MOTIONS,
  type FilmStock,
  type FilmLook,
  type FilmLookOptions,
  type CameraPose,
  type Motion,
} from './film-look.js';
export {
  OVERLAY_FOLDERS,
  OVERLAY_NATIVE_WIDTH,
  defaultOverlaysDir,
  overlaysAvailable,
  loadOverlayBank,
  readOverlay,
  overlaysForClass,
  type Overlay,
  type OverlayBank,
  type OverlayLevel,
} from './overlays.js';
export {
  ARTEFACT_CLASSES,
  planDamage,
  damageFrame,
  compositeDamage,
  stampOverlay,
  drawLineScratch,
  newDamageLayer,
  type ArtefactClass,
  type DamageCounts,
  type DamageLayer,
  type DamageOptions,
  type DamagePlan,
  type LineScratch,
  type Polarity,
} from './damage.js';
export {
  makeFilmSequence,
  makeBenchmarkSet,
  classShares,
  quantise,
  visibleThreshold,
  DEFAULT_VARIANTS,
  type FilmSequenceOptions,
  type BenchmarkSetOptions,
  type SequenceVariant,
} from './make-sequence.js';
export { writeBenchmarkSet, writeBenchSequence, writePng, frameFileName, type WrittenSequence } from './write-benchset.js';
