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
  plateMarginFor,
  FILM_STOCKS,
  MOTIONS,
  FAST_PAN_SPEED,
  type FilmStock,
  type FilmLook,
  type FilmLookOptions,
  type FrameLayers,
  type Exposure,
  type CameraPose,
  type Motion,
} from './film-look.js';
export { sampleRotatedPlate } from './sample-rotated.js';
export { GRAIN_KINDS, COARSE_GRAIN_SIGMA, gaussianBlurUnitNoise, addScannerNoise, type GrainKind } from './grain-kinds.js';
export {
  planActors,
  drawActors,
  actorBoxes,
  describeActors,
  figureSwing,
  MAX_ACTOR_SPEED,
  type Actor,
  type ActorKind,
  type ActorsPlan,
  type ActorsOptions,
  type Box,
  type Figure,
  type SwayLine,
} from './actors.js';
export { paintPlateDetail, type DetailCounts } from './picture-detail.js';
export { planPrecipitation, drawPrecipitation, type PrecipitationPlan, type Particle } from './precipitation.js';
export { planGateBorder, drawGateBorder, describeGateBorder, type GateBorderPlan, type GateEdge } from './gate-border.js';
export { planRepeats, type RepeatPlan } from './telecine.js';
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
  HARD_VARIANTS,
  type FilmSequenceOptions,
  type BenchmarkSetOptions,
  type SequenceVariant,
} from './make-sequence.js';
export { writeBenchmarkSet, writeBenchSequence, writePng, frameFileName, type WrittenSequence } from './write-benchset.js';
export { imagesOfSplit, isUnseenImage, overlaysOfSplit, SOURCE_SPLITS, unseenSourceList, type SourceSplit } from './source-split.js';
