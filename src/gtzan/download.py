"""The download stage: fetch the data into data/raw/ (gtzan.datasets) from one of three sources.

- "gdrive": the public Google Drive folder of the project (the real data),
- "synthetic": the built-in offline dataset rendered by gtzan.synthetic,
- any other value: a local directory holding either the two saved datasets (the Drive
  folder downloaded by hand) or labelled audio laid out as <root>/<genre>/<clip>
  (the original GTZAN audio, for instance), decoded.

The Drive data comes split into train and validation, as spectrograms. Audio this project renders or
decodes is kept as audio (mono, at frontend.sample_rate), every clip with its label and name: the
featurize stages compute each front-end's input from it (gtzan.featurize), and prepare splits by
clip (gtzan.splits).

Every source is written to a temporary directory beside the destination, checked,
and only then moved into place, so a failed or interrupted run never leaves a
destination that looks complete.
"""

import json
import shutil
from pathlib import Path
from typing import Callable

from gtzan.datasets import AUDIO_DIR, SOURCE_FILE, find_saved_datasets, identify_splits, save_audio
from gtzan.errors import UserError
from gtzan.files import staged_directory

GDRIVE_FOLDER_ID = "154dxA9DPaEUW_QbCuW8e-eA5xYd73CQL"

# (folder id, output directory) -> None; raises on failure. Tests substitute it.
Downloader = Callable[[str, Path], None]


def gdown_folder(folder_id: str, output: Path) -> None:
    import gdown

    files = gdown.download_folder(id=folder_id, output=str(output), quiet=False, timeout=30)
    if not files:
        raise OSError("gdown returned no files")


def fetch_raw_data(
    *,
    source: str,
    destination: Path,
    seed: int,
    songs_per_genre: int,
    sample_rate: int,
    genres: list[str] | None = None,
    downloader: Downloader = gdown_folder,
) -> dict:
    """Fill destination with the data (gtzan.datasets) and a source.json; return its content.

    songs_per_genre applies to the synthetic data, genres to an audio folder; sample_rate is the decoded audio's.
    """
    with staged_directory(destination) as staging:
        if source == "gdrive":
            info = _fetch_gdrive(staging, downloader)
        elif source == "synthetic":
            info = _render_synthetic(staging, seed, songs_per_genre, sample_rate)
        elif Path(source).is_dir() and not find_saved_datasets(Path(source)):
            info = _decode_audio(Path(source), staging, genres, sample_rate)
        else:
            info = _copy_local(Path(source), staging)
        (staging / SOURCE_FILE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info


def _fetch_gdrive(staging: Path, downloader: Downloader) -> dict:
    download_dir = staging / "download"
    print(f"Downloading Google Drive folder {GDRIVE_FOLDER_ID} ...", flush=True)
    try:
        downloader(GDRIVE_FOLDER_ID, download_dir)
    except Exception as error:  # gdown raises anything from requests' errors to its own
        raise UserError(
            f"the Google Drive folder {GDRIVE_FOLDER_ID} is unreachable ({type(error).__name__}: "
            f"{_first_line(error)}).\n"
            "Alternatives: set data.source to 'synthetic' for the built-in offline dataset "
            "(dvc exp run -S data.source=synthetic), or download the folder by hand from "
            f"https://drive.google.com/drive/folders/{GDRIVE_FOLDER_ID} and set data.source "
            "to its local path."
        ) from error
    _move_splits(download_dir, staging, what="the downloaded Drive folder")
    shutil.rmtree(download_dir)
    return {"source": "gdrive", "folder_id": GDRIVE_FOLDER_ID}


def _copy_local(folder: Path, staging: Path) -> dict:
    if not folder.is_dir():
        raise UserError(
            f"data.source '{folder}' is neither 'gdrive', 'synthetic' nor an existing directory "
            "(of saved datasets or of <genre>/<clip> audio)."
        )
    print(f"Copying the saved datasets from {folder} ...", flush=True)
    for split, path in _identify(folder, what=str(folder)).items():
        shutil.copytree(path, staging / split)
    return {"source": "local", "path": str(folder.resolve())}


def _move_splits(folder: Path, staging: Path, what: str) -> None:
    for split, path in _identify(folder, what).items():
        shutil.move(path, staging / split)


def _identify(folder: Path, what: str) -> dict[str, Path]:
    try:
        splits = identify_splits(find_saved_datasets(folder))
    except ValueError as error:
        raise UserError(f"{what} does not hold the two datasets: {error}") from error
    for split, path in splits.items():
        print(f"  {split}: {path}", flush=True)
    return splits


def _render_synthetic(staging: Path, seed: int, songs_per_genre: int, sample_rate: int) -> dict:
    from gtzan.synthetic import GENRES, GTZAN_CLIP_SECONDS, render_synthetic_clips

    print(f"Rendering the synthetic dataset: {len(GENRES)} genres x {songs_per_genre} songs ...", flush=True)
    clips, labels, names = render_synthetic_clips(songs_per_genre=songs_per_genre, seed=seed, sample_rate=sample_rate,
                                                  num_samples=int(round(GTZAN_CLIP_SECONDS * sample_rate)))
    save_audio(staging / AUDIO_DIR, clips, labels, names, sample_rate)
    return {"source": "synthetic", "seed": seed, "songs_per_genre": songs_per_genre, "class_names": list(GENRES)}


def _decode_audio(folder: Path, staging: Path, genres: list[str] | None, sample_rate: int) -> dict:
    from gtzan.audio import decode_audio_folder

    decoded = decode_audio_folder(folder, genres, sample_rate)
    save_audio(staging / AUDIO_DIR, decoded.clips, decoded.labels, list(decoded.names), sample_rate)
    return {
        "source": "audio",
        "path": str(folder.resolve()),
        "class_names": list(decoded.genres),
        "skipped": [{"clip": clip, "reason": reason} for clip, reason in decoded.skipped],
    }


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "no details"
