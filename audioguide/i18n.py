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
        "stop": "Точка",
    },
    "kk": {
        "listen": "Тыңдаңыз",
        "scan_to_listen": "Тыңдау үшін сканерлеңіз",
        "or_type": "немесе теріңіз",
        "stop": "Нысан",
    },
}

FALLBACK = "en"


# The word for a tour "stop" is a choice awaiting native-speaker review (issue 12). A bus-stop
# word (ru «остановка», kk «аялдама») does not suit a memorial; a museum would say
# ru «точка маршрута» (short «точка») and kk «нысан» (as in «тарихи-мәдени мұра нысаны», a
# heritage site). Every string that carries the word, in one list to review and change together:
STOP_WORD_KEYS = (
    "stop",
    "all_stops",
    "stops_heading",
    "keypad_heading",
    "stop_number",
    "no_such_stop",
    "not_found_title",
    "not_found_text",
    "no_audio",
    "previous_stop",
    "next_stop",
    "stop_navigation",
    "last_stop",
    "auto_next",
    "auto_next_soon",
    "plan_intro",
    "plan_svg",
    "plan_list",
    "nearest_is",
    "nearest",  # ru «ближайшая» agrees with «точка»
)

# Who reads (issue 10), in plain words: a visitor is told whether the voice is a computer's or a
# person's, never an engine's name ("Piper", "eSpeak NG" mean nothing to them; the API keeps
# them). The Kazakh and Russian wording awaits a native speaker's review with the rest:
# kk «Дауысты компьютер жасаған», «Оқыған: {narrator}»; ru «Голос сгенерирован компьютером»,
# «Читает: {narrator}».
VOICE_NOTE_KEYS = ("synthetic_voice", "read_by", "recorded_voice")


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
            " or choose a stop from the list below."
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
        "synthetic_voice": "Computer-generated voice.",
        "read_by": "Read by {narrator}",
        "recorded_voice": "Read by a person, recorded for this guide.",
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
        "loading": "Loading the audio…",
        "audio_failed": (
            "The audio could not be loaded. Check the connection and press {play} to try again."
            " The text below tells the same story."
        ),
        "audio_offline": (
            "There is no connection, and this audio is not saved on the phone. The text below tells"
            " the same story; you can listen once you have a signal."
        ),
        "transcript_hint_click": "Click a sentence to listen from there.",
        "transcript_hint_keys": (
            "Press Enter on a sentence to listen from there. The arrow keys move between sentences."
        ),
        "auto_next": "Continue to the next stop automatically",
        "auto_next_soon": "The next stop, {title}, starts in a few seconds.",
        "stay_here": "Stay here",
        "megabytes": "{size} MB",
        # The welcoming home page and the offline offer on stop pages (issue 12).
        "listening_time": "Listening time: about {minutes} min",
        "minutes": "{minutes} min",
        "heard": "heard",
        "offline_offer": "You can save this tour on your phone for places without a signal ({size}).",
        "offline_save": "Download",
        "not_now": "Not now",
        # The site plan and the transcript's text size (issue 12, "beyond the anchors").
        "plan_title": "Site plan",
        "plan_intro": "Each number is a stop; north is at the top. Tap a number to open its stop.",
        "plan_svg": "Plan of the stops by number, north at the top",
        "plan_list": "Stops on the plan",
        "where_am_i": "Where am I?",
        "locating": "Finding your position…",
        "you_are_here": "You are here",
        "nearest_is": "The nearest stop is {title}.",
        "nearest": "nearest",
        "away": "{distance} away",
        "distance_m": "{n} m",
        "distance_km": "{n} km",
        "outside_plan": "You are outside the area of this plan.",
        "position_denied": "The phone did not share your position.",
        "plan_still_works": "The plan and the numbers on the signs work without it.",
        "position_unavailable": "Your position could not be found just now.",
        "text_size": "Text size",
        "text_smaller": "Smaller text",
        "text_larger": "Larger text",
    },
    "ru": {
        "language_name": "Русский",
        "language": "Язык",
        "skip_to_content": "Перейти к содержанию",
        "all_stops": "Все точки маршрута",
        "stops_heading": "Точки маршрута",
        "keypad_heading": "Введите номер точки",
        "keypad_hint": "Номер указан на табличке рядом с QR-кодом.",
        "stop_number": "Номер точки",
        "go": "Перейти",
        "delete_digit": "Стереть последнюю цифру",
        "no_such_stop": "Точки с номером {number} нет.",
        "not_found_title": "Точка маршрута не найдена",
        "not_found_text": (
            "Мы не нашли эту точку маршрута. Проверьте номер на табличке или выберите точку из списка ниже."
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
        "no_audio": "Аудиозапись для этой точки пока недоступна.",
        "transcript": "Текст",
        "transcript_hint": "Нажмите на предложение, чтобы слушать с этого места.",
        "synthetic_voice": "Голос сгенерирован компьютером.",
        "read_by": "Читает: {narrator}",
        "recorded_voice": "Текст читает человек, запись сделана для этого аудиогида.",
        "needs_review": "Этот перевод ещё ожидает проверки носителем языка.",
        "previous_stop": "Предыдущая точка",
        "next_stop": "Следующая точка",
        "stop_navigation": "Предыдущая и следующая точки",
        "ended": "Рассказ окончен.",
        "last_stop": "Это была последняя точка маршрута. Спасибо за посещение.",
        "offline_heading": "Без интернета",
        "offline_text": "Загрузите экскурсию на телефон, чтобы она работала без связи.",
        "offline_button": "Скачать экскурсию для работы без интернета ({size})",
        "offline_progress": "Загрузка…",
        "offline_done": "Экскурсия сохранена на телефоне и работает без связи.",
        "offline_failed": "Загрузка прервалась. Проверьте связь и попробуйте снова.",
        "offline_no_space": "На телефоне недостаточно свободного места.",
        "offline_remove": "Удалить загруженную экскурсию",
        "offline_removed": "Загруженная экскурсия удалена.",
        "loading": "Загрузка аудио…",
        "audio_failed": (
            "Не удалось загрузить аудио. Проверьте связь и нажмите «{play}», чтобы попробовать снова."
            " Ниже — тот же рассказ в виде текста."
        ),
        "audio_offline": (
            "Нет связи, а это аудио не сохранено на телефоне. Ниже — тот же рассказ в виде текста;"
            " послушать можно, когда появится связь."
        ),
        "transcript_hint_click": "Щёлкните по предложению, чтобы слушать с этого места.",
        "transcript_hint_keys": (
            "Нажмите Enter на предложении, чтобы слушать с этого места."
            " Стрелки переходят между предложениями."
        ),
        "auto_next": "Автоматически переходить к следующей точке",
        "auto_next_soon": "Через несколько секунд начнётся следующая точка: {title}.",
        "stay_here": "Остаться здесь",
        "megabytes": "{size} МБ",
        # Issue 12, awaiting review by a native speaker like the rest of this block.
        "listening_time": "Время прослушивания: около {minutes} мин",
        "minutes": "{minutes} мин",
        "heard": "прослушано",
        "offline_offer": "Экскурсию можно сохранить на телефоне на случай, если пропадёт связь ({size}).",
        "offline_save": "Скачать",
        "not_now": "Не сейчас",
        # Issue 12, the site plan and the text size: awaiting review by a native speaker.
        "plan_title": "План территории",
        "plan_intro": "Каждая цифра — точка маршрута; север вверху. Нажмите на цифру, чтобы открыть точку.",
        "plan_svg": "План точек маршрута по номерам, север вверху",
        "plan_list": "Точки маршрута на плане",
        "where_am_i": "Где я?",
        "locating": "Определяем ваше местоположение…",
        "you_are_here": "Вы здесь",
        "nearest_is": "Ближайшая точка — {title}.",
        "nearest": "ближайшая",
        "away": "в {distance} от вас",
        "distance_m": "{n} м",
        "distance_km": "{n} км",
        "outside_plan": "Вы находитесь за пределами этого плана.",
        "position_denied": "Телефон не сообщил ваше местоположение.",
        "plan_still_works": "Планом и номерами на табличках можно пользоваться и без него.",
        "position_unavailable": "Сейчас не удалось определить ваше местоположение.",
        "text_size": "Размер текста",
        "text_smaller": "Уменьшить текст",
        "text_larger": "Увеличить текст",
    },
    "kk": {
        "language_name": "Қазақша",
        "language": "Тіл",
        "skip_to_content": "Мазмұнға өту",
        "all_stops": "Барлық нысандар",
        "stops_heading": "Нысандар",
        "keypad_heading": "Нысан нөмірін енгізіңіз",
        "keypad_hint": "Нөмір QR-кодтың жанындағы тақтайшада көрсетілген.",
        "stop_number": "Нысан нөмірі",
        "go": "Өту",
        "delete_digit": "Соңғы цифрды өшіру",
        "no_such_stop": "{number} нөмірлі нысан жоқ.",
        "not_found_title": "Нысан табылмады",
        "not_found_text": (
            "Бұл нысан табылмады. Тақтайшадағы нөмірді тексеріңіз немесе төмендегі тізімнен нысанды таңдаңыз."
        ),
        "back_to_tour": "Экскурсияға оралу",
        "not_ready": "Аудиогид дайындалуда. Сәлден соң қайталап көріңіз.",
        "play": "Тыңдау",
        "pause": "Кідірту",
        "back_15": "15 секунд артқа",
        "forward_15": "15 секунд алға",
        "position": "Ойнату барысы",
        "time_of": "{current}, барлығы {duration}",
        "speed": "Ойнату жылдамдығы",
        "player": "Аудиоплеер",
        "resume_from": "{time}{abl} бастап жалғасады",
        "download_audio": "Аудионы жүктеп алу",
        "no_audio": "Бұл нысанның аудиосы әзірге қолжетімсіз.",
        "transcript": "Мәтін",
        "transcript_hint": "Сол жерден тыңдау үшін сөйлемді басыңыз.",
        "synthetic_voice": "Дауысты компьютер жасаған.",
        "read_by": "Оқыған: {narrator}",
        "recorded_voice": "Мәтінді адам оқыған, жазба осы аудиогид үшін жасалған.",
        "needs_review": "Бұл аударма әлі ана тілінде сөйлейтін маманның тексеруін күтуде.",
        "previous_stop": "Алдыңғы нысан",
        "next_stop": "Келесі нысан",
        "stop_navigation": "Алдыңғы және келесі нысан",
        "ended": "Әңгіме аяқталды.",
        "last_stop": "Бұл соңғы нысан еді. Келгеніңізге рахмет.",
        "offline_heading": "Интернетсіз",
        "offline_text": "Экскурсия байланыссыз жұмыс істеуі үшін оны телефоныңызға жүктеп алыңыз.",
        "offline_button": "Экскурсияны интернетсіз пайдалану үшін жүктеу ({size})",
        "offline_progress": "Жүктелуде…",
        "offline_done": "Экскурсия телефоныңызға сақталды және байланыссыз жұмыс істейді.",
        "offline_failed": "Жүктеу тоқтап қалды. Байланысты тексеріп, қайталап көріңіз.",
        "offline_no_space": "Телефонда бос орын жеткіліксіз.",
        "offline_remove": "Жүктелген экскурсияны өшіру",
        "offline_removed": "Жүктелген экскурсия өшірілді.",
        "loading": "Аудио жүктелуде…",
        "audio_failed": (
            "Аудио жүктелмеді. Байланысты тексеріп, қайталау үшін «{play}» түймесін басыңыз."
            " Төменде осы әңгіменің мәтіні бар."
        ),
        "audio_offline": (
            "Байланыс жоқ, ал бұл аудио телефонда сақталмаған. Төменде осы әңгіменің мәтіні бар;"
            " байланыс болғанда тыңдай аласыз."
        ),
        "transcript_hint_click": "Сол жерден тыңдау үшін сөйлемді шертіңіз.",
        "transcript_hint_keys": (
            "Сол жерден тыңдау үшін сөйлемде Enter пернесін басыңыз."
            " Сөйлемдер арасында бағыт пернелерімен жылжыңыз."
        ),
        "auto_next": "Келесі нысанға автоматты түрде өту",
        "auto_next_soon": "Бірнеше секундтан кейін келесі нысан басталады: {title}.",
        "stay_here": "Осында қалу",
        "megabytes": "{size} МБ",
        # Issue 12, awaiting review by a native speaker like the rest of this block.
        "listening_time": "Тыңдау уақыты: шамамен {minutes} мин",
        "minutes": "{minutes} мин",
        "heard": "тыңдалды",
        "offline_offer": "Байланыс болмаған жағдайға экскурсияны телефоныңызға сақтап қоюға болады ({size}).",
        "offline_save": "Жүктеу",
        "not_now": "Қазір емес",
        # Issue 12, the site plan and the text size: awaiting review by a native speaker.
        "plan_title": "Аумақ жоспары",
        "plan_intro": "Әр сан — нысан; солтүстік жоғарыда. Нысанды ашу үшін оның санын басыңыз.",
        "plan_svg": "Нысандардың нөмірлері көрсетілген жоспар, солтүстік жоғарыда",
        "plan_list": "Жоспардағы нысандар",
        "where_am_i": "Мен қайдамын?",
        "locating": "Орныңыз анықталуда…",
        "you_are_here": "Сіз осындасыз",
        "nearest_is": "Ең жақын нысан: {title}.",
        "nearest": "ең жақын",
        "away": "{distance} қашықтықта",
        "distance_m": "{n} м",
        "distance_km": "{n} км",
        "outside_plan": "Сіз осы жоспардың аумағынан тыс жердесіз.",
        "position_denied": "Телефон орныңызды бермеді.",
        "plan_still_works": "Жоспар мен тақтайшалардағы нөмірлерді онсыз да пайдалана аласыз.",
        "position_unavailable": "Қазір орныңызды анықтау мүмкін болмады.",
        "text_size": "Мәтін өлшемі",
        "text_smaller": "Мәтінді кішірейту",
        "text_larger": "Мәтінді үлкейту",
    },
}
for _lang, _strings in _WEB_STRINGS.items():
    for _key, _text in _strings.items():
        STRINGS.setdefault(_lang, {}).setdefault(_key, _text)


# Kazakh: "0:23-тен бастап". The ablative ending follows the last number said when the time is
# read aloud (0:23 is read "нөл жиырма үш": үш -> -тен): its last vowel (front or back harmony)
# and its last sound (vowel or voiced -> д, nasal -> н, voiceless -> т).
KK_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
KK_TENS = ("нөл", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")


def kk_ablative(word: str) -> str:
    """The ablative ending of a Kazakh word without the hyphen: "ден", "тан", "нен"..."""
    vowels = [c for c in word if c in "аоұыәеөүіэ"]  # и and у take the harmony of the word
    back = bool(vowels) and vowels[-1] in "аоұы"
    last = word[-1]
    consonant = "н" if last in "мнң" else "т" if last in "пкқтсшфхцчщбвгд" else "д"
    return consonant + ("ан" if back else "ен")


def kk_number_word(number: int) -> str:
    """The word said last when reading 0-99 aloud: 23 "жиырма үш" -> "үш"."""
    return KK_UNITS[number % 10] if number % 10 or not number else KK_TENS[number // 10 % 10]


def kk_time_ablative(text: str) -> str:
    """ "0:23" -> "-тен". A zero part is not read ("3:00" is read "үш"), unless all are zero."""
    spoken = next((int(part) for part in reversed(text.split(":")) if int(part)), 0)
    return "-" + kk_ablative(kk_number_word(spoken))


# The same rule for the player's script, which formats the resume time itself (app.js reads
# 20 endings: units 0-9, then tens 0-90).
STRINGS["kk"]["ablative_suffixes"] = " ".join(kk_ablative(word) for word in (*KK_UNITS, *KK_TENS))
