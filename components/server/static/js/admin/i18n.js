// The admin's own strings (kk, ru, en). Content comes from the server as it is stored.

const S = {
  kk: {
    devices: 'Құрылғылар', mediaError: 'Көрсетілмеді', roleDisplay: 'экран', roleTablet: 'планшет', deviceName: 'Атауы', screen: 'Экран', state: 'Күйі', lastSeen: 'Соңғы қосылу', browser: 'Браузер',
    online: 'желіде', change: 'Өзгерту', reload: 'Қайта жүктеу', revoke: 'Кері қайтару', revokeTitle: '{n} кері қайтарылсын ба?', revokeText: 'Құрылғы бірден ажыратылады; қайта қосу үшін оны жаңадан жұптау керек.',
    revoked: 'Құрылғы кері қайтарылды', reloadSent: 'Қайта жүктеу жіберілді ({n} бет)', pair: 'Жұптау', pairTitle: 'Құрылғыны жұптау', pairCode: 'Жұптау коды',
    pairText: 'Экранда немесе планшетте /display/1 не /tablet/1 бетін ашыңыз: ол 6 таңбалы код көрсетеді. Кодты осында енгізіп, экранды және рөлді таңдаңыз.',
    paired: 'Құрылғы жұпталды', waitingDevices: 'Жұптауды күтіп тұрған құрылғылар', pairedDevices: 'Жұпталған құрылғылар', noDevices: 'Әзірге жұпталған құрылғы жоқ',
    pairAsks: 'Құрылғы беті сұрайды: {what}', pairDiffers: 'Таңдалған рөл не экран құрылғы сұрағаннан өзгеше', pairNoSuchCode: 'Бұл кодпен күтіп тұрған құрылғы жоқ',
    pairNotWaiting: 'Бұл кодты көрсеткен құрылғы енді күтпейді: оның бетін қайта жүктеп, жаңа кодын енгізіңіз',
    noPairings: 'Күтіп тұрған құрылғы жоқ', pairThis: 'Осыны жұптау', offlineAlert: 'Ұзақ уақыт байланыссыз: {n}', agoS: '{n} с бұрын', agoMin: '{n} мин бұрын', agoH: '{n} сағ бұрын',
    a_device_pair: 'құрылғы жұпталды', a_device_update: 'құрылғы өзгертілді', a_device_revoke: 'құрылғы кері қайтарылды',
    title: 'ekran · әкімші', skip: 'Мазмұнға өту', menu: 'Бөлімдер', welcome: 'Қош келдіңіз', welcomeHint: 'Залды басқару үшін кіріңіз',
    name: 'Аты', password: 'Құпиясөз', signIn: 'Кіру', signOut: 'Шығу',
    e401: 'Аты немесе құпиясөз қате', e429: 'Тым көп әрекет. {s} секундтан кейін қайталаңыз',
    e403: 'Бұл әрекетке рұқсатыңыз жоқ', e404: 'Табылмады', eNet: 'Серверге қосылу мүмкін болмады',
    e409: 'Өзгеріс басқа өзгеріспен қайшы келеді', e413: 'Файл тым үлкен', e503: 'Сервер бос емес: ештеңе өзгерген жоқ, сәлден соң қайталаңыз',
    c_stale: 'Мұны басқа біреу өзгертіп қойды: қайта жүктеп, тағы көріңіз', c_unpublished: 'Жарияланбаған өзгерістер бар: алдымен жариялаңыз немесе оларды тастаңыз',
    c_name_taken: 'Бұл атпен пайдаланушы бар', c_last_admin: 'Соңғы әкімшіні жоюға немесе рөлін өзгертуге болмайды',
    c_screen_root: 'Экран осы түйіннен басталады: алдымен экранға басқа түбір беріңіз', c_server_running: 'Басқа ekran серверi жұмыс істеп тұр',
    c_media_clash: 'Кітапханада осы атпен басқа файл бар: жаңа файлдың атын өзгертіңіз',
    eSession: 'Сеанс аяқталды, қайта кіріңіз', error: 'Қате',
    hall: 'Зал', versions: 'Нұсқалар', audit: 'Журнал', screens: 'Экрандар', users: 'Пайдаланушылар',
    transfer: 'Импорт пен экспорт', loading: 'Жүктелуде…',
    hallTitle: 'Зал қазір', shows: 'Қазір көрсетіп тұр', slide: 'Слайд', language: 'Тіл', version: 'Нұсқа',
    displays: 'Дисплейлер', tablets: 'Планшеттер', noSlides: 'слайд жоқ', idle: 'күту режимі',
    offline: 'байланыс жоқ', removedScreen: 'экран жарияланған нұсқада жоқ', openDisplay: 'Экранды ашу', previewDisplay: 'Алдын ала: экран', previewTablet: 'Алдын ала: планшет',
    publishTitle: 'Жариялау', note: 'Ескертпе', publish: 'Жариялау', published: '{v}-нұсқа жарияланды',
    live: 'эфирде', rollback: 'Қайтару', cancel: 'Болдырмау', confirm: 'Растау',
    rollbackTitle: '{v}-нұсқаға қайтару',
    rollbackText: 'Зал {v}-нұсқадағыдай болады. Бұл жаңа нұсқа ретінде жарияланады, экрандар бірден ауысады.',
    conflictText: 'Жарияланбаған өзгерістер бар. Қайтарсаңыз, олар жойылады.',
    discard: 'Өзгерістерді жойып, қайтару', rolledBack: '{v}-нұсқа қайтарылды ({n}-нұсқа болып жарияланды)',
    added: 'қосылды', changed: 'өзгертілді', removed: 'жойылды', reordered: 'реті өзгерді',
    settings: 'экран баптаулары', noChanges: 'өзгеріс жоқ', restores: '{v}-нұсқаны қайтарады', nodes: 'түйін',
    at: 'Уақыты', by: 'Кім', what: 'Не', noVersions: 'Әзірге нұсқа жоқ',
    olderVersions: 'Ескі нұсқаларды көрсету', shownOf: 'Көрсетілді: {n} / {total}',
    user: 'Пайдаланушы', action: 'Әрекет', all: 'Барлығы', filter: 'Көрсету', summary: 'Сипаттама',
    address: 'Адрес', empty: 'Жазба жоқ',
    nameKk: 'Атауы (қазақша)', nameRu: 'Атауы (орысша)', theme: 'Безендіру', root: 'Бастапқы түйін (кілт не нөмір)',
    languages: 'Тілдер (бірінші — негізгі)', idleSeconds: 'Күту, секунд', attract: 'Заставка түйіндері (үтір арқылы)',
    attractSeconds: 'Әр заставка, секунд', save: 'Сақтау', saved: 'Сақталды', savedScreen: 'Сақталды. Экрандарда көрінуі үшін жариялаңыз.', nothingToPublish: 'Жариялайтын өзгеріс жоқ', back: 'Артқа',
    role: 'Рөлі', admin: 'әкімші', editor: 'редактор', sessions: 'Сеанстар', created: 'Құрылды',
    addUser: 'Пайдаланушы қосу', add: 'Қосу', newPassword: 'Жаңа құпиясөз',
    changeRole: 'Рөлді өзгерту', remove: 'Жою', removeTitle: '{n} жойылсын ба?',
    removeText: 'Оның барлық сеанстары бірден аяқталады.', passwordOnce: 'Құпиясөз (тек бір рет көрсетіледі)',
    passwordHint: 'Кемінде 10 таңба', generate: 'Күшті құпиясөз жасау', nameHint: 'Латын әріптері, сандар, . - _', cli: 'командалық жол', publishNow: 'Импорттан кейін бірден жариялау', setPassword: 'Өзгерту', you: 'сіз', locked: 'Кіру құлыпталған: {s} с', unlock: 'Құлыпты ашу', unlocked: 'Құлып ашылды',
    importTitle: 'Импорт', importText: 'Ескі жүйенің жазбалары немесе бір ekran экспорты. Алдымен тексеріледі, жұмыс көшірмесі бәрі дұрыс болғанда ғана өзгереді.', kind: 'Түрі', legacy: 'Ескі жүйенің жазбалары (TCD)', ekranFile: 'ekran экспорты',
    contentLang: 'Мазмұн тілі', auto: 'автоматты', files: 'Файлдар', check: 'Тексеру', commit: 'Импорттау',
    checked: 'Тексерілді', noProblems: 'Қате табылмады — импорттауға болады',
    hasErrors: 'Қателер бар: импорт мүмкін емес', file: 'Файл', line: 'Жол', column: 'Баған',
    level: 'Деңгейі', message: 'Хабар', imported: 'Импортталды. Экрандарға шығару үшін жариялаңыз.',
    exportTitle: 'Экспорт', exportText: 'Жұмыс көшірмесін ekran/2 JSON файлы ретінде жүктеп алу.',
    download: 'Жүктеп алу', chooseFiles: 'Алдымен файлдарды таңдаңыз',
    notFound: 'Бет табылмады', notFoundText: 'Мұндай бөлім жоқ.', toHall: 'Залға оралу',
    warning: 'ескерту', errorLevel: 'қате',
    a_publish: 'жариялау', a_rollback: 'қайтару', a_import_legacy: 'импорт (TCD)', a_import_ekran: 'импорт (ekran)',
    a_seed_demo: 'демо зал', a_edit: 'өңдеу', a_user_add: 'пайдаланушы қосылды',
    a_user_passwd: 'құпиясөз өзгертілді', a_user_remove: 'пайдаланушы жойылды', a_sign_in: 'кіру',
    a_sign_in_failed: 'сәтсіз кіру', a_sign_out: 'шығу', a_user_unlock: 'кіру құлпы ашылды', a_sign_in_locked: 'кіру құлыпталды', a_screen_update: 'экран баптаулары', a_user_role: 'рөл өзгертілді',
    // editor
    edEditor: 'Түйін өңдегіші', edNode: 'Түйін', edPath: 'Түйіннің орны', edTitle: 'Атауы', edTitleRequired: 'Атауын кемінде бір тілде жазыңыз',
    edHeader: 'Экран тақырыбы', edTeaser: 'Плитка астындағы қысқа мәтін', edKind: 'Түрі', edLabel: 'Нөмірі', edLabelHint: 'Мысалы 1.2; бос қалдыруға болады',
    edTile: 'Плитка суреті', edLogo: 'Логотип', edRegion: 'Өңір нөмірі', edRegionHint: '1 Астана … 17 Шымкент',
    edk_menu: 'мәзір (ішкі бөлімдер)', edk_slideshow: 'слайдтар', edk_map: 'өңірлер картасы',
    edl_text: 'Мәтін', edl_image_text: 'Сурет пен мәтін', edl_image: 'Сурет', edl_video: 'Бейне', edl_map: 'Карта', edl_figures: 'Сандар',
    edSlides: 'Слайдтар', edNoSlides: 'Слайд жоқ', edNewSlide: 'Жаңа слайд', edAddSlide: 'Слайд қосу', edLayout: 'Пішімі',
    edSlideN: '{n}-слайд ({of} ішінен)', edUp: 'Жоғары', edDown: 'Төмен', edDuplicate: 'Көшірмесін жасау', edDeleteSlide: 'Слайдты жою',
    edDeleteSlideQ: '{n}-слайд жойылсын ба?', edMoveHint: 'Alt + ↑/↓: слайдтың орнын ауыстыру',
    edSlideTitle: 'Слайд тақырыбы', edCaption: 'Жазуы', edText: 'Мәтін', edLead: 'Кіріспе мәтін', edTextHint: 'Бос жол — жаңа абзац; «•» не «-» басталған жол — тізім.',
    edImage: 'Сурет', edMapImage: 'Карта суреті', edVideo: 'Бейне', edChoose: 'Таңдау…', edRemoveFile: 'Алып тастау', edNoFile: 'Файл таңдалмаған',
    edFigures: 'Сандар', edFigureN: '{n}-сан', edFigureLabel: 'Сипаттамасы', edValue: 'Мәні', edTarget: 'Мақсат', edBaseline: 'Бастапқы мәні', edUnit: 'Өлшем бірлігі',
    edAddFigure: 'Сан қосу', edRemoveFigure: 'Санды жою',
    edMissing: 'аудармасы жоқ', edBidi: 'Мәтін бағытын өзгертетін көрінбейтін таңба бар (U+202E т.б.)', edRequired: 'Міндетті сан', edNotNumber: 'Сан емес: мысалы 76,2', edNotRegion: '1-ден басталатын бүтін сан керек',
    edUnsaved: 'Сақталмаған өзгерістер бар', edAllSaved: 'Бәрі сақталған', edSaving: 'Сақталуда…', edRevert: 'Өзгерістерді болдырмау', edNothing: 'Сақтайтын өзгеріс жоқ', edLeaveQ: 'Сақталмаған өзгерістер жойылсын ба?', edLeaveText: 'Бұл түйіндегі өзгерістер сақталмаған. Кетсеңіз, олар жоғалады.', edLeave: 'Сақтамай кету',
    edFix: 'Сақталмады: {n} жерде түзету керек', edNotes: 'Ескертулер (сақталды):', edGone: 'Бұл түйін жоқ (жойылған болуы мүмкін)',
    edPreview: 'Алдын ала қарау', edOrientation: 'Экран бағыты', ed_landscape: 'Көлденең', ed_portrait: 'Тік', edPreviewLang: 'Алдын ала қарау тілі',
    edPreviewInvalid: 'Алдын ала қарау жаңартылмады: өрістерді тексеріңіз', edPreviewFailed: 'Алдын ала қарау қолжетімсіз',
    edConflict: 'Түйінді басқа біреу өзгертті', edConflictText: 'Сіз ашқаннан кейін бұл түйін сақталды. Айырмашылықтар төменде (өзгертілгені белгіленген).',
    edDeletedMeanwhile: 'Сіз өңдеп отырғанда бұл түйін жойылды.', edField: 'Өріс', edYours: 'Сіздікі', edTheirs: 'Олардікі',
    edTakeTheirs: 'Олардікін алу', edKeepMine: 'Өзгерістерімді үстінен жазу', edSameValues: 'Мәндер бірдей; өзгерістеріңізді сақтауға болады.', edMoreRows: 'тағы {n} өріс',
    edf_title: 'Атауы', edf_header: 'Экран тақырыбы', edf_teaser: 'Қысқа мәтін', edf_kind: 'Түрі', edf_label: 'Нөмірі', edf_tile: 'Плитка суреті', edf_logo: 'Логотип',
    edf_region: 'Өңір', edf_slides: 'Слайд', edf_layout: 'Пішімі', edf_text: 'Мәтін', edf_image: 'Сурет', edf_video: 'Бейне', edf_figures: 'Сан',
    edf_value: 'Мәні', edf_unit: 'Өлшем бірлігі', edf_target: 'Мақсат', edf_baseline: 'Бастапқы мәні',
    trTitle: 'Аударма есебі', trNone: 'Барлық мәтін екі тілде де бар', trCount: 'Аудармасы жоқ: {n}', trMissingIn: '{lang} жоқ',
  },
  ru: {
    devices: 'Устройства', mediaError: 'Не показано', roleDisplay: 'экран', roleTablet: 'планшет', deviceName: 'Название', screen: 'Экран', state: 'Состояние', lastSeen: 'Последнее подключение', browser: 'Браузер',
    online: 'в сети', change: 'Изменить', reload: 'Перезагрузить', revoke: 'Отозвать', revokeTitle: 'Отозвать {n}?', revokeText: 'Устройство сразу отключится; чтобы подключить его снова, его нужно заново сопрячь.',
    revoked: 'Устройство отозвано', reloadSent: 'Перезагрузка отправлена ({n} стр.)', pair: 'Сопрячь', pairTitle: 'Сопряжение устройства', pairCode: 'Код сопряжения',
    pairText: 'Откройте на экране или планшете страницу /display/1 или /tablet/1: она покажет 6-значный код. Введите код здесь и выберите экран и роль.',
    paired: 'Устройство сопряжено', waitingDevices: 'Устройства, ожидающие сопряжения', pairedDevices: 'Сопряжённые устройства', noDevices: 'Сопряжённых устройств пока нет',
    pairAsks: 'Страница устройства просит: {what}', pairDiffers: 'Выбранные роль или экран отличаются от того, что просит устройство', pairNoSuchCode: 'Устройства с таким кодом в ожидании нет',
    pairNotWaiting: 'Устройство с этим кодом больше не ждёт: перезагрузите его страницу и введите новый код',
    noPairings: 'Ожидающих устройств нет', pairThis: 'Сопрячь это', offlineAlert: 'Долго нет связи: {n}', agoS: '{n} с назад', agoMin: '{n} мин назад', agoH: '{n} ч назад',
    a_device_pair: 'устройство сопряжено', a_device_update: 'устройство изменено', a_device_revoke: 'устройство отозвано',
    title: 'ekran · администратор', skip: 'К содержимому', menu: 'Разделы', welcome: 'Добро пожаловать', welcomeHint: 'Войдите, чтобы управлять залом',
    name: 'Имя', password: 'Пароль', signIn: 'Войти', signOut: 'Выйти',
    e401: 'Неверное имя или пароль', e429: 'Слишком много попыток. Повторите через {s} с',
    e403: 'Недостаточно прав для этого действия', e404: 'Не найдено', eNet: 'Нет связи с сервером',
    e409: 'Изменение противоречит другому изменению', e413: 'Файл слишком большой', e503: 'Сервер занят: ничего не изменено, повторите чуть позже',
    c_stale: 'Это уже изменил кто-то другой: обновите и попробуйте снова', c_unpublished: 'Есть неопубликованные изменения: сначала опубликуйте их или отбросьте',
    c_name_taken: 'Пользователь с таким именем уже есть', c_last_admin: 'Нельзя удалить последнего администратора или сменить ему роль',
    c_screen_root: 'С этого узла начинается экран: сначала задайте экрану другой корень', c_server_running: 'Уже работает другой сервер ekran',
    c_media_clash: 'В библиотеке уже есть другой файл с таким именем: переименуйте новый файл',
    eSession: 'Сеанс завершён, войдите снова', error: 'Ошибка',
    hall: 'Зал', versions: 'Версии', audit: 'Журнал', screens: 'Экраны', users: 'Пользователи',
    transfer: 'Импорт и экспорт', loading: 'Загрузка…',
    hallTitle: 'Зал сейчас', shows: 'Сейчас показывает', slide: 'Слайд', language: 'Язык', version: 'Версия',
    displays: 'Дисплеи', tablets: 'Планшеты', noSlides: 'без слайдов', idle: 'режим ожидания',
    offline: 'нет связи', removedScreen: 'экрана нет в опубликованной версии', openDisplay: 'Открыть экран', previewDisplay: 'Предпросмотр: экран', previewTablet: 'Предпросмотр: планшет',
    publishTitle: 'Публикация', note: 'Примечание', publish: 'Опубликовать', published: 'Опубликована версия {v}',
    live: 'в эфире', rollback: 'Вернуть', cancel: 'Отмена', confirm: 'Подтвердить',
    rollbackTitle: 'Вернуть версию {v}',
    rollbackText: 'Зал станет таким, как в версии {v}. Это будет опубликовано как новая версия, экраны переключатся сразу.',
    conflictText: 'Есть неопубликованные изменения. При возврате они будут отброшены.',
    discard: 'Отбросить изменения и вернуть', rolledBack: 'Версия {v} возвращена (опубликована как {n})',
    added: 'добавлено', changed: 'изменено', removed: 'удалено', reordered: 'изменён порядок',
    settings: 'настройки экранов', noChanges: 'без изменений', restores: 'возврат версии {v}', nodes: 'узлов',
    at: 'Когда', by: 'Кто', what: 'Что', noVersions: 'Версий пока нет',
    olderVersions: 'Показать более ранние версии', shownOf: 'Показано {n} из {total}',
    user: 'Пользователь', action: 'Действие', all: 'Все', filter: 'Показать', summary: 'Описание',
    address: 'Адрес', empty: 'Записей нет',
    nameKk: 'Название (казахский)', nameRu: 'Название (русский)', theme: 'Оформление', root: 'Корневой узел (ключ или номер)',
    languages: 'Языки (первый — основной)', idleSeconds: 'Ожидание, секунд', attract: 'Узлы заставки (через запятую)',
    attractSeconds: 'Каждый узел заставки, секунд', save: 'Сохранить', saved: 'Сохранено', savedScreen: 'Сохранено. Опубликуйте, чтобы показать на экранах.', nothingToPublish: 'Нет изменений для публикации', back: 'Назад',
    role: 'Роль', admin: 'администратор', editor: 'редактор', sessions: 'Сеансы', created: 'Создан',
    addUser: 'Добавить пользователя', add: 'Добавить', newPassword: 'Новый пароль',
    changeRole: 'Сменить роль', remove: 'Удалить', removeTitle: 'Удалить {n}?',
    removeText: 'Все его сеансы сразу завершатся.', passwordOnce: 'Пароль (показан только один раз)',
    passwordHint: 'Не короче 10 символов', generate: 'Создать надёжный пароль', nameHint: 'Латинские буквы, цифры, . - _', cli: 'командная строка', publishNow: 'Сразу опубликовать после импорта', setPassword: 'Изменить', you: 'вы', locked: 'Вход заблокирован: {s} с', unlock: 'Разблокировать', unlocked: 'Вход разблокирован',
    importTitle: 'Импорт', importText: 'Записи старой системы или один экспорт ekran. Сначала проверка; рабочая копия меняется, только если всё верно.', kind: 'Тип', legacy: 'Записи старой системы (TCD)', ekranFile: 'Экспорт ekran',
    contentLang: 'Язык содержимого', auto: 'автоматически', files: 'Файлы', check: 'Проверить', commit: 'Импортировать',
    checked: 'Проверено', noProblems: 'Ошибок нет — можно импортировать',
    hasErrors: 'Есть ошибки: импорт невозможен', file: 'Файл', line: 'Строка', column: 'Столбец',
    level: 'Уровень', message: 'Сообщение', imported: 'Импортировано. Опубликуйте, чтобы показать на экранах.',
    exportTitle: 'Экспорт', exportText: 'Скачать рабочую копию как файл ekran/2 JSON.',
    download: 'Скачать', chooseFiles: 'Сначала выберите файлы',
    notFound: 'Страница не найдена', notFoundText: 'Такого раздела нет.', toHall: 'Вернуться в зал',
    warning: 'предупреждение', errorLevel: 'ошибка',
    a_publish: 'публикация', a_rollback: 'возврат', a_import_legacy: 'импорт (TCD)', a_import_ekran: 'импорт (ekran)',
    a_seed_demo: 'демо-зал', a_edit: 'правка', a_user_add: 'добавлен пользователь',
    a_user_passwd: 'смена пароля', a_user_remove: 'удалён пользователь', a_sign_in: 'вход',
    a_sign_in_failed: 'неудачный вход', a_sign_out: 'выход', a_user_unlock: 'вход разблокирован', a_sign_in_locked: 'вход заблокирован', a_screen_update: 'настройки экрана', a_user_role: 'смена роли',
    // editor
    edEditor: 'Редактор узла', edNode: 'Узел', edPath: 'Расположение узла', edTitle: 'Название', edTitleRequired: 'Укажите название хотя бы на одном языке',
    edHeader: 'Заголовок экрана', edTeaser: 'Короткий текст под плиткой', edKind: 'Тип', edLabel: 'Номер', edLabelHint: 'Например 1.2; можно оставить пустым',
    edTile: 'Картинка плитки', edLogo: 'Логотип', edRegion: 'Номер региона', edRegionHint: '1 Астана … 17 Шымкент',
    edk_menu: 'меню (подразделы)', edk_slideshow: 'слайды', edk_map: 'карта регионов',
    edl_text: 'Текст', edl_image_text: 'Картинка и текст', edl_image: 'Картинка', edl_video: 'Видео', edl_map: 'Карта', edl_figures: 'Цифры',
    edSlides: 'Слайды', edNoSlides: 'Слайдов нет', edNewSlide: 'Новый слайд', edAddSlide: 'Добавить слайд', edLayout: 'Макет',
    edSlideN: 'Слайд {n} из {of}', edUp: 'Выше', edDown: 'Ниже', edDuplicate: 'Дублировать', edDeleteSlide: 'Удалить слайд',
    edDeleteSlideQ: 'Удалить слайд {n}?', edMoveHint: 'Alt + ↑/↓: переместить слайд',
    edSlideTitle: 'Заголовок слайда', edCaption: 'Подпись', edText: 'Текст', edLead: 'Вводный текст', edTextHint: 'Пустая строка — новый абзац; строка с «•» или «-» — список.',
    edImage: 'Картинка', edMapImage: 'Картинка карты', edVideo: 'Видео', edChoose: 'Выбрать…', edRemoveFile: 'Убрать', edNoFile: 'Файл не выбран',
    edFigures: 'Цифры', edFigureN: 'Цифра {n}', edFigureLabel: 'Подпись', edValue: 'Значение', edTarget: 'Цель', edBaseline: 'Исходное значение', edUnit: 'Единица',
    edAddFigure: 'Добавить цифру', edRemoveFigure: 'Удалить цифру',
    edMissing: 'нет перевода', edBidi: 'Есть невидимый символ, меняющий направление текста (U+202E и т. п.)', edRequired: 'Нужно число', edNotNumber: 'Не число: например 76,2', edNotRegion: 'Нужно целое число от 1',
    edUnsaved: 'Есть несохранённые изменения', edAllSaved: 'Всё сохранено', edSaving: 'Сохранение…', edRevert: 'Отменить изменения', edNothing: 'Нечего сохранять', edLeaveQ: 'Отбросить несохранённые изменения?', edLeaveText: 'Изменения этого узла не сохранены. Если уйти, они пропадут.', edLeave: 'Уйти без сохранения',
    edFix: 'Не сохранено: исправьте {n}', edNotes: 'Предупреждения (сохранено):', edGone: 'Такого узла нет (возможно, удалён)',
    edPreview: 'Предпросмотр', edOrientation: 'Ориентация экрана', ed_landscape: 'Горизонтально', ed_portrait: 'Вертикально', edPreviewLang: 'Язык предпросмотра',
    edPreviewInvalid: 'Предпросмотр не обновлён: проверьте поля', edPreviewFailed: 'Предпросмотр недоступен',
    edConflict: 'Узел изменил кто-то другой', edConflictText: 'После того как вы открыли узел, его сохранили. Различия ниже (изменённое отмечено).',
    edDeletedMeanwhile: 'Пока вы редактировали, узел удалили.', edField: 'Поле', edYours: 'Ваше', edTheirs: 'Их',
    edTakeTheirs: 'Взять их версию', edKeepMine: 'Записать мои изменения поверх', edSameValues: 'Значения совпадают; ваши изменения можно сохранить.', edMoreRows: 'ещё полей: {n}',
    edf_title: 'Название', edf_header: 'Заголовок экрана', edf_teaser: 'Короткий текст', edf_kind: 'Тип', edf_label: 'Номер', edf_tile: 'Картинка плитки', edf_logo: 'Логотип',
    edf_region: 'Регион', edf_slides: 'Слайд', edf_layout: 'Макет', edf_text: 'Текст', edf_image: 'Картинка', edf_video: 'Видео', edf_figures: 'Цифра',
    edf_value: 'Значение', edf_unit: 'Единица', edf_target: 'Цель', edf_baseline: 'Исходное значение',
    trTitle: 'Отчёт о переводах', trNone: 'Все тексты есть на обоих языках', trCount: 'Без перевода: {n}', trMissingIn: 'нет: {lang}',
  },
  en: {
    devices: 'Devices', mediaError: 'Could not show', roleDisplay: 'display', roleTablet: 'tablet', deviceName: 'Name', screen: 'Screen', state: 'State', lastSeen: 'Last connected', browser: 'Browser',
    online: 'online', change: 'Change', reload: 'Reload', revoke: 'Revoke', revokeTitle: 'Revoke {n}?', revokeText: 'The device disconnects at once; to connect it again, pair it anew.',
    revoked: 'Device revoked', reloadSent: 'Reload sent ({n} page(s))', pair: 'Pair', pairTitle: 'Pair a device', pairCode: 'Pairing code',
    pairText: 'Open /display/1 or /tablet/1 on the display or tablet: it shows a 6-digit code. Enter the code here and choose the screen and role.',
    paired: 'Device paired', waitingDevices: 'Devices waiting to be paired', pairedDevices: 'Paired devices', noDevices: 'No paired devices yet',
    pairAsks: 'The device’s page asks to be: {what}', pairDiffers: 'The role or screen chosen differs from what the device asks for', pairNoSuchCode: 'No device is waiting with this code',
    pairNotWaiting: 'The device showing this code is no longer waiting: reload its page and enter its new code',
    noPairings: 'No device is waiting', pairThis: 'Pair this one', offlineAlert: 'Offline for long: {n}', agoS: '{n} s ago', agoMin: '{n} min ago', agoH: '{n} h ago',
    a_device_pair: 'device paired', a_device_update: 'device changed', a_device_revoke: 'device revoked',
    title: 'ekran · admin', skip: 'Skip to content', menu: 'Sections', welcome: 'Welcome', welcomeHint: 'Sign in to run the hall',
    name: 'Name', password: 'Password', signIn: 'Sign in', signOut: 'Sign out',
    e401: 'Wrong name or password', e429: 'Too many attempts. Try again in {s} s',
    e403: 'You may not do this', e404: 'Not found', eNet: 'Cannot reach the server',
    e409: 'The change conflicts with another change', e413: 'The file is too large', e503: 'The server is busy: nothing was changed, try again shortly',
    c_stale: 'Someone else changed this meanwhile: reload and try again', c_unpublished: 'There are unpublished changes: publish or discard them first',
    c_name_taken: 'A user with this name exists', c_last_admin: 'The last admin cannot be removed or lose the admin role',
    c_screen_root: 'A screen starts at this node: give the screen another root first', c_server_running: 'Another ekran server is running',
    c_media_clash: 'The library has another file by this name: rename the new file',
    eSession: 'Your session ended; please sign in again', error: 'Error',
    hall: 'Hall', versions: 'Versions', audit: 'Audit log', screens: 'Screens', users: 'Users',
    transfer: 'Import and export', loading: 'Loading…',
    hallTitle: 'The hall now', shows: 'Showing now', slide: 'Slide', language: 'Language', version: 'Version',
    displays: 'Displays', tablets: 'Tablets', noSlides: 'no slides', idle: 'idle',
    offline: 'offline', removedScreen: 'not in the published version', openDisplay: 'Open display', previewDisplay: 'Preview: display', previewTablet: 'Preview: tablet',
    publishTitle: 'Publish', note: 'Note', publish: 'Publish', published: 'Version {v} published',
    live: 'live', rollback: 'Roll back', cancel: 'Cancel', confirm: 'Confirm',
    rollbackTitle: 'Roll back to version {v}',
    rollbackText: 'The hall becomes what it was in version {v}. This is published as a new version; screens switch at once.',
    conflictText: 'There are unpublished changes. Rolling back discards them.',
    discard: 'Discard changes and roll back', rolledBack: 'Version {v} restored (published as {n})',
    added: 'added', changed: 'changed', removed: 'removed', reordered: 'reordered',
    settings: 'screen settings', noChanges: 'no changes', restores: 'restores version {v}', nodes: 'nodes',
    at: 'When', by: 'Who', what: 'What', noVersions: 'No versions yet',
    olderVersions: 'Show older versions', shownOf: 'Showing {n} of {total}',
    user: 'User', action: 'Action', all: 'All', filter: 'Show', summary: 'Summary',
    address: 'Address', empty: 'No entries',
    nameKk: 'Name (Kazakh)', nameRu: 'Name (Russian)', theme: 'Theme', root: 'Root node (key or number)',
    languages: 'Languages (first is the default)', idleSeconds: 'Idle after, seconds', attract: 'Attract nodes (comma separated)',
    attractSeconds: 'Each attract node, seconds', save: 'Save', saved: 'Saved', savedScreen: 'Saved. Publish to show it on the screens.', nothingToPublish: 'Nothing to publish', back: 'Back',
    role: 'Role', admin: 'admin', editor: 'editor', sessions: 'Sessions', created: 'Created',
    addUser: 'Add a user', add: 'Add', newPassword: 'New password',
    changeRole: 'Change role', remove: 'Remove', removeTitle: 'Remove {n}?',
    removeText: 'All their sessions end at once.', passwordOnce: 'Password (shown only once)',
    passwordHint: 'At least 10 characters', generate: 'Make a strong password', nameHint: 'Latin letters, digits, . - _', cli: 'command line', publishNow: 'Publish right after importing', setPassword: 'Change', you: 'you', locked: 'Sign-in locked: {s} s', unlock: 'Unlock', unlocked: 'Unlocked',
    importTitle: 'Import', importText: 'Legacy records or one ekran export. Checked first; the working copy changes only when all of it is valid.', kind: 'Kind', legacy: 'Legacy records (TCD)', ekranFile: 'ekran export',
    contentLang: 'Content language', auto: 'automatic', files: 'Files', check: 'Check', commit: 'Import',
    checked: 'Checked', noProblems: 'No problems found — ready to import',
    hasErrors: 'There are errors: cannot import', file: 'File', line: 'Line', column: 'Column',
    level: 'Level', message: 'Message', imported: 'Imported. Publish to show it on the screens.',
    exportTitle: 'Export', exportText: 'Download the working copy as an ekran/2 JSON file.',
    download: 'Download', chooseFiles: 'Choose files first',
    notFound: 'Page not found', notFoundText: 'There is no such section.', toHall: 'Back to the hall',
    warning: 'warning', errorLevel: 'error',
    a_publish: 'publish', a_rollback: 'rollback', a_import_legacy: 'import (TCD)', a_import_ekran: 'import (ekran)',
    a_seed_demo: 'demo hall', a_edit: 'edit', a_user_add: 'user added',
    a_user_passwd: 'password changed', a_user_remove: 'user removed', a_sign_in: 'sign-in',
    a_sign_in_failed: 'failed sign-in', a_sign_out: 'sign-out', a_user_unlock: 'sign-in unlocked', a_sign_in_locked: 'sign-in locked', a_screen_update: 'screen settings', a_user_role: 'role changed',
    // editor
    edEditor: 'Node editor', edNode: 'Node', edPath: 'Where the node is', edTitle: 'Title', edTitleRequired: 'Give a title in at least one language',
    edHeader: 'Screen header', edTeaser: 'Short text under the tile', edKind: 'Kind', edLabel: 'Number', edLabelHint: 'For example 1.2; may stay empty',
    edTile: 'Tile picture', edLogo: 'Logo', edRegion: 'Region number', edRegionHint: '1 Astana … 17 Shymkent',
    edk_menu: 'menu (sub-sections)', edk_slideshow: 'slides', edk_map: 'region map',
    edl_text: 'Text', edl_image_text: 'Picture and text', edl_image: 'Picture', edl_video: 'Video', edl_map: 'Map', edl_figures: 'Figures',
    edSlides: 'Slides', edNoSlides: 'No slides', edNewSlide: 'New slide', edAddSlide: 'Add slide', edLayout: 'Layout',
    edSlideN: 'Slide {n} of {of}', edUp: 'Up', edDown: 'Down', edDuplicate: 'Duplicate', edDeleteSlide: 'Delete slide',
    edDeleteSlideQ: 'Delete slide {n}?', edMoveHint: 'Alt + ↑/↓: move the slide',
    edSlideTitle: 'Slide title', edCaption: 'Caption', edText: 'Text', edLead: 'Lead text', edTextHint: 'An empty line starts a paragraph; lines starting with “•” or “-” make a list.',
    edImage: 'Picture', edMapImage: 'Map picture', edVideo: 'Video', edChoose: 'Choose…', edRemoveFile: 'Remove', edNoFile: 'No file chosen',
    edFigures: 'Figures', edFigureN: 'Figure {n}', edFigureLabel: 'Label', edValue: 'Value', edTarget: 'Target', edBaseline: 'Baseline', edUnit: 'Unit',
    edAddFigure: 'Add figure', edRemoveFigure: 'Remove figure',
    edMissing: 'translation missing', edBidi: 'Contains an invisible character that changes the text direction (U+202E etc.)', edRequired: 'A number is required', edNotNumber: 'Not a number: for example 76.2', edNotRegion: 'A whole number from 1',
    edUnsaved: 'Unsaved changes', edAllSaved: 'All saved', edSaving: 'Saving…', edRevert: 'Undo changes', edNothing: 'Nothing to save', edLeaveQ: 'Discard unsaved changes?', edLeaveText: 'The changes to this node are not saved. Leaving loses them.', edLeave: 'Leave without saving',
    edFix: 'Not saved: {n} to fix', edNotes: 'Warnings (saved):', edGone: 'There is no such node (it may have been deleted)',
    edPreview: 'Preview', edOrientation: 'Screen orientation', ed_landscape: 'Landscape', ed_portrait: 'Portrait', edPreviewLang: 'Preview language',
    edPreviewInvalid: 'Preview not updated: check the fields', edPreviewFailed: 'Preview unavailable',
    edConflict: 'Someone else changed this node', edConflictText: 'It was saved after you opened it. The differences are below (changed values marked).',
    edDeletedMeanwhile: 'The node was deleted while you were editing it.', edField: 'Field', edYours: 'Yours', edTheirs: 'Theirs',
    edTakeTheirs: 'Take theirs', edKeepMine: 'Write my changes on top', edSameValues: 'The values are the same; your changes can be saved.', edMoreRows: '{n} more fields',
    edf_title: 'Title', edf_header: 'Screen header', edf_teaser: 'Short text', edf_kind: 'Kind', edf_label: 'Number', edf_tile: 'Tile picture', edf_logo: 'Logo',
    edf_region: 'Region', edf_slides: 'Slide', edf_layout: 'Layout', edf_text: 'Text', edf_image: 'Picture', edf_video: 'Video', edf_figures: 'Figure',
    edf_value: 'Value', edf_unit: 'Unit', edf_target: 'Target', edf_baseline: 'Baseline',
    trTitle: 'Translation report', trNone: 'Every text is there in both languages', trCount: 'Missing translations: {n}', trMissingIn: '{lang} missing',
  },
};

/** Languages of the admin, each in its own name. */
export const LANGS = [['kk', 'Қазақша'], ['ru', 'Русский'], ['en', 'English']];

/** Audit action codes the filter offers. */
export const ACTIONS = ['publish', 'rollback', 'import_legacy', 'import_ekran', 'seed_demo', 'edit',
  'screen_update', 'user_add', 'user_passwd', 'user_role', 'user_remove', 'sign_in', 'sign_in_failed', 'sign_out', 'user_unlock', 'sign_in_locked', 'device_pair', 'device_update', 'device_revoke'];

let lang = 'kk';
try {
  const saved = localStorage.getItem('ekran.admin.lang');
  if (saved && S[saved]) lang = saved;
} catch {
  // storage may be off; Kazakh then
}

export const getLang = () => lang;

export function setLang(l) {
  if (!S[l]) return;
  lang = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem('ekran.admin.lang', l);
  } catch {
    // not remembered; fine
  }
}

/** A string in the admin's language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  let s = S[lang][key] ?? S.en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** A stored `{kk, ru, en}` text in the admin's language (or the first there is). */
export function pick(x) {
  if (x == null) return '';
  if (typeof x === 'string') return x;
  return x[lang] ?? x.kk ?? x.ru ?? x.en ?? '';
}

/** Who made a change: a user's name, the command line, or nobody (`-`). */
export function actor(name) {
  if (name === 'cli') return t('cli');
  return name == null ? '' : String(name);
}

/** A content language's own name (`kk` → Қазақша). */
export function langName(code) {
  const l = LANGS.find(([c]) => c === code);
  return l ? l[1] : String(code ?? '');
}

/** An audit action's name (the code itself when unknown). */
export function actionName(code) {
  const k = `a_${code}`;
  return S[lang][k] ?? code;
}

/** A stored UTC time as local date and time. */
export function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  // Chromium's trimmed ICU data formats 'kk' like English; Kazakh borrows Russian's.
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'ru', { dateStyle: 'short', timeStyle: 'medium' });
}
