"""Visitor-facing interface strings per language (pages and posters).

Narration is written by staff; these are the few words around it. A language without an entry
falls back to English. Kazakh and Russian strings await review by a native speaker.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "listen": "Listen",
        "scan_to_listen": "Scan to listen",
        "or_type": "or type",
        "stop": "Stop",
    },
    "ru": {
        "listen": "Слушайте",
        "scan_to_listen": "Отсканируйте, чтобы слушать",
        "or_type": "или наберите",
        "stop": "Остановка",
    },
    "kk": {
        "listen": "Тыңдаңыз",
        "scan_to_listen": "Тыңдау үшін сканерлеңіз",
        "or_type": "немесе теріңіз",
        "stop": "Аялдама",
    },
}

FALLBACK = "en"


def translate(lang: str, key: str) -> str:
    """The string for `key` in `lang`, else English, else the key itself (visible, never a crash)."""
    return STRINGS.get(lang, {}).get(key) or STRINGS[FALLBACK].get(key) or key


# Strings of the visitor web app (stop pages, home, offline tour). Added as a separate block so
# that the poster strings above stay untouched. The kk and ru texts await review by a native
# speaker, like the rest of this file. "{name}" placeholders are filled with str.format.
_WEB_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "language": "Language",
        "skip_to_content": "Skip to content",
        "all_stops": "All stops",
        "stops_heading": "Stops",
        "keypad_heading": "Enter the stop number",
        "keypad_hint": "The number is on the sign next to the QR code.",
        "stop_number": "Stop number",
        "go": "Go",
        "delete_digit": "Delete the last digit",
        "no_such_stop": "There is no stop {number}.",
        "not_found_title": "Stop not found",
        "not_found_text": (
            "We could not find this stop. Please check the number on the sign,"
            " or choose a stop from the list."
        ),
        "back_to_tour": "Back to the tour",
        "not_ready": "The guide is being prepared. Please try again in a moment.",
        "play": "Play",
        "pause": "Pause",
        "back_15": "Back 15 seconds",
        "forward_15": "Forward 15 seconds",
        "position": "Playback position",
        "time_of": "{current} of {duration}",
        "speed": "Playback speed",
        "player": "Audio player",
        "resume_from": "Continues from {time}",
        "download_audio": "Download the audio",
        "no_audio": "The narration for this stop is not available yet.",
        "transcript": "Transcript",
        "transcript_hint": "Tap a sentence to listen from there.",
        "synthetic_voice": "This narration is read by a synthetic voice ({engine}).",
        "needs_review": "This translation is awaiting review by a native speaker.",
        "previous_stop": "Previous stop",
        "next_stop": "Next stop",
        "stop_navigation": "Previous and next stop",
        "ended": "The narration has ended.",
        "last_stop": "This was the last stop. Thank you for your visit.",
        "offline_heading": "Without internet",
        "offline_text": "Download this tour to your phone so that it works without a signal.",
        "offline_button": "Download this tour for offline use ({size})",
        "offline_progress": "Downloading…",
        "offline_done": "The tour is on your phone and works without a connection.",
        "offline_failed": "The download stopped. Check the connection and try again.",
        "offline_no_space": "There is not enough free storage on this phone.",
        "offline_remove": "Remove the downloaded tour",
        "offline_removed": "The downloaded tour was removed.",
        "megabytes": "{size} MB",
    },
    "ru": {
        "language_name": "Русский",
        "language": "Язык",
        "skip_to_content": "Перейти к содержанию",
        "all_stops": "Все остановки",
        "stops_heading": "Остановки",
        "keypad_heading": "Введите номер остановки",
        "keypad_hint": "Номер указан на табличке рядом с QR-кодом.",
        "stop_number": "Номер остановки",
        "go": "Перейти",
        "delete_digit": "Стереть последнюю цифру",
        "no_such_stop": "Остановки с номером {number} нет.",
        "not_found_title": "Остановка не найдена",
        "not_found_text": (
            "Мы не нашли эту остановку. Проверьте номер на табличке или выберите остановку из списка."
        ),
        "back_to_tour": "Вернуться к экскурсии",
        "not_ready": "Аудиогид готовится. Пожалуйста, попробуйте чуть позже.",
        "play": "Слушать",
        "pause": "Пауза",
        "back_15": "Назад на 15 секунд",
        "forward_15": "Вперёд на 15 секунд",
        "position": "Позиция воспроизведения",
        "time_of": "{current} из {duration}",
        "speed": "Скорость воспроизведения",
        "player": "Аудиоплеер",
        "resume_from": "Продолжится с {time}",
        "download_audio": "Скачать аудио",
        "no_audio": "Аудиозапись для этой остановки пока недоступна.",
        "transcript": "Текст",
        "transcript_hint": "Нажмите на предложение, чтобы слушать с этого места.",
        "synthetic_voice": "Текст читает синтезированный голос ({engine}).",
        "needs_review": "Этот перевод ещё ожидает проверки носителем языка.",
        "previous_stop": "Предыдущая остановка",
        "next_stop": "Следующая остановка",
        "stop_navigation": "Предыдущая и следующая остановки",
        "ended": "Рассказ окончен.",
        "last_stop": "Это была последняя остановка. Спасибо за посещение.",
        "offline_heading": "Без интернета",
        "offline_text": "Загрузите экскурсию на телефон, чтобы она работала без связи.",
        "offline_button": "Скачать экскурсию для работы без интернета ({size})",
        "offline_progress": "Загрузка…",
        "offline_done": "Экскурсия сохранена на телефоне и работает без связи.",
        "offline_failed": "Загрузка прервалась. Проверьте связь и попробуйте снова.",
        "offline_no_space": "На телефоне недостаточно свободного места.",
        "offline_remove": "Удалить загруженную экскурсию",
        "offline_removed": "Загруженная экскурсия удалена.",
        "megabytes": "{size} МБ",
    },
    "kk": {
        "language_name": "Қазақша",
        "language": "Тіл",
        "skip_to_content": "Мазмұнға өту",
        "all_stops": "Барлық аялдамалар",
        "stops_heading": "Аялдамалар",
        "keypad_heading": "Аялдама нөмірін енгізіңіз",
        "keypad_hint": "Нөмір QR-кодтың жанындағы тақтайшада көрсетілген.",
        "stop_number": "Аялдама нөмірі",
        "go": "Өту",
        "delete_digit": "Соңғы цифрды өшіру",
        "no_such_stop": "{number} нөмірлі аялдама жоқ.",
        "not_found_title": "Аялдама табылмады",
        "not_found_text": (
            "Бұл аялдама табылмады. Тақтайшадағы нөмірді тексеріңіз немесе тізімнен аялдаманы таңдаңыз."
        ),
        "back_to_tour": "Экскурсияға оралу",
        "not_ready": "Аудиогид дайындалуда. Сәлден соң қайталап көріңіз.",
        "play": "Тыңдау",
        "pause": "Кідірту",
        "back_15": "15 секунд артқа",
        "forward_15": "15 секунд алға",
        "position": "Тыңдау орны",
        "time_of": "{current}, барлығы {duration}",
        "speed": "Ойнату жылдамдығы",
        "player": "Аудиоплеер",
        "resume_from": "{time} бастап жалғасады",
        "download_audio": "Аудионы жүктеп алу",
        "no_audio": "Бұл аялдаманың аудиосы әзірге қолжетімсіз.",
        "transcript": "Мәтін",
        "transcript_hint": "Сол жерден тыңдау үшін сөйлемді басыңыз.",
        "synthetic_voice": "Бұл мәтінді синтезделген дауыс оқиды ({engine}).",
        "needs_review": "Бұл аударма әлі ана тілінде сөйлейтін маманның тексеруін күтуде.",
        "previous_stop": "Алдыңғы аялдама",
        "next_stop": "Келесі аялдама",
        "stop_navigation": "Алдыңғы және келесі аялдама",
        "ended": "Әңгіме аяқталды.",
        "last_stop": "Бұл соңғы аялдама еді. Келгеніңізге рахмет.",
        "offline_heading": "Интернетсіз",
        "offline_text": "Экскурсия байланыссыз жұмыс істеуі үшін оны телефоныңызға жүктеп алыңыз.",
        "offline_button": "Экскурсияны интернетсіз пайдалану үшін жүктеу ({size})",
        "offline_progress": "Жүктелуде…",
        "offline_done": "Экскурсия телефоныңызға сақталды және байланыссыз жұмыс істейді.",
        "offline_failed": "Жүктеу тоқтап қалды. Байланысты тексеріп, қайталап көріңіз.",
        "offline_no_space": "Телефонда бос орын жеткіліксіз.",
        "offline_remove": "Жүктелген экскурсияны өшіру",
        "offline_removed": "Жүктелген экскурсия өшірілді.",
        "megabytes": "{size} МБ",
    },
}
for _lang, _strings in _WEB_STRINGS.items():
    for _key, _text in _strings.items():
        STRINGS.setdefault(_lang, {}).setdefault(_key, _text)
