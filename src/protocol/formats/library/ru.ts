/** The shipped formats in Russian. */
import type { LanguagePack } from './pack.js';

export const ru: LanguagePack = {
  lang: 'ru',
  designations: { vessel: 'Корабль', aircraft: 'Воздушное судно', submarine: 'Подводная лодка', unit: 'Подразделение', other: 'Другое' },
  formats: {
    'launch-notification': {
      title: 'Уведомление о пуске',
      fields: { launch_type: 'Вид пуска', vehicle: 'Носитель', window_start: 'Начало окна пуска', window_end: 'Конец окна пуска', launch_area: 'Район пуска', impact_area: 'Район падения', remarks: 'Примечания' },
      values: { launch_type: { 'ballistic-missile': 'Пуск баллистической ракеты', 'space-launch': 'Космический запуск' } },
    },
    'unplanned-encounter': {
      title: 'Донесение о незапланированной встрече',
      fields: { time: 'Время встречи', own_unit: 'Наша единица', own_position: 'Наше место', other_unit: 'Другая единица', other_position: 'Место другой единицы', closest_approach: 'Дистанция кратчайшего сближения', actions_taken: 'Принятые меры', request: 'Просьба' },
      values: { request: { none: 'Без просьбы', intentions: 'Сообщите ваши намерения', 'increase-distance': 'Увеличьте дистанцию', 'cease-activity': 'Прекратите деятельность', call: 'Просим связаться' } },
    },
    'exercise-notice': {
      title: 'Уведомление о военной деятельности или учениях',
      fields: { name: 'Название', area: 'Район', start: 'Начало', end: 'Окончание', scale: 'Масштаб', personnel: 'Личный состав', aircraft: 'Воздушные суда', vessels: 'Корабли', remarks: 'Примечания' },
      values: { scale: { small: 'Малый', medium: 'Средний', large: 'Крупный (крупная военная деятельность)' } },
    },
    'incident-report': {
      title: 'Донесение об инциденте',
      fields: { what: 'Инцидент', time: 'Время', position: 'Место', description: 'Описание', casualties: 'Пострадавшие', assistance: 'Необходимая помощь' },
      values: {
        what: { collision: 'Столкновение', accident: 'Авария', explosion: 'Взрыв', 'stray-munition': 'Отклонившийся боеприпас', 'border-incident': 'Пограничный инцидент', 'aircraft-down': 'Падение воздушного судна', other: 'Другое' },
        assistance: { none: 'Не требуется', medical: 'Медицинская', 'search-and-rescue': 'Поиск и спасание', technical: 'Техническая', other: 'Другая' },
      },
    },
    'safety-notice': {
      title: 'Извещение о безопасности воздушного или морского пространства',
      fields: { domain: 'Среда', hazard: 'Опасность', area: 'Район', start: 'С', end: 'До', upper_limit: 'Верхняя граница', remarks: 'Примечания' },
      values: {
        domain: { airspace: 'Воздушное пространство', maritime: 'Море' },
        hazard: { firing: 'Боевые стрельбы', missile: 'Ракетная деятельность', 'space-debris': 'Космический мусор', exercise: 'Учения', navigation: 'Навигационная опасность', other: 'Другое' },
      },
    },
    'sar-request': {
      title: 'Запрос о поиске и спасании',
      fields: { nature: 'Характер бедствия', time: 'Время', position: 'Последнее известное место', distressed: 'Терпящее бедствие судно', persons: 'Людей на борту', assistance: 'Запрашиваемая помощь' },
      values: { nature: { sinking: 'Затопление', 'ditched-aircraft': 'Вынужденная посадка на воду', fire: 'Пожар', medical: 'Медицинская помощь', missing: 'Пропало без вести', other: 'Другое' } },
    },
    'call-request': {
      title: 'Запрос о связи',
      fields: { level: 'Уровень', medium: 'Голос или видео', proposed_time: 'Предлагаемое время', within: 'В течение', topic: 'Тема' },
      values: {
        level: { leaders: 'Руководители государств', ministerial: 'Министры', military: 'Военные командующие', working: 'Рабочий уровень', technical: 'Технический уровень' },
        medium: { voice: 'Голосовая связь', video: 'Видеосвязь' },
      },
    },
    'cyber-incident': {
      title: 'Уведомление о компьютерном инциденте',
      fields: { tlp: 'Протокол светофора (TLP)', detected: 'Обнаружен', sectors: 'Затронутые отрасли', indicators: 'Индикаторы', summary: 'Краткое описание', assistance: 'Запрашиваемая помощь' },
      values: {
        tlp: { CLEAR: 'TLP:CLEAR (без ограничений)', GREEN: 'TLP:GREEN (сообщество)', AMBER: 'TLP:AMBER (организация и клиенты)', 'AMBER+STRICT': 'TLP:AMBER+STRICT (только организация)', RED: 'TLP:RED (только получатели)' },
        sectors: { energy: 'Энергетика', water: 'Водоснабжение', health: 'Здравоохранение', finance: 'Финансы', transport: 'Транспорт', telecom: 'Связь', government: 'Государственное управление', defence: 'Оборона', space: 'Космос', other: 'Другое' },
        assistance: { none: 'Не требуется', information: 'Информация', mitigation: 'Помощь в устранении', takedown: 'Отключение инфраструктуры', other: 'Другое' },
      },
    },
    'standard-phrase': {
      title: 'Стандартная фраза',
      fields: { phrase: 'Фраза', addressee: 'Кому', position: 'Место' },
      values: {
        phrase: {
          'request-intentions': 'Сообщите ваши намерения.',
          manoeuvring: 'Я маневрирую.',
          'pass-astern': 'Намерен пройти у вас по корме.',
          'pass-ahead': 'Намерен пройти у вас по носу.',
          'flight-operations': 'Провожу полёты авиации.',
          'keep-clear': 'Держитесь от меня в стороне.',
          'altering-starboard': 'Изменяю курс вправо.',
          'altering-port': 'Изменяю курс влево.',
          'reducing-speed': 'Уменьшаю ход.',
          stopping: 'Останавливаюсь.',
          'not-under-command': 'Я лишён возможности управляться.',
          'restricted-manoeuvrability': 'Я ограничен в возможности маневрировать.',
          'gunnery-exercise': 'Провожу артиллерийские стрельбы.',
          'submarine-operations': 'Провожу действия с подводными лодками.',
          understood: 'Вас понял.',
          'not-understood': 'Вас не понял.',
          'say-again': 'Повторите.',
          'intend-to-overtake': 'Намерен обогнать вас.',
          'no-hostile-intent': 'Враждебных намерений не имею.',
          'request-call': 'Прошу связи на согласованном уровне.',
        },
      },
      template: '{phrase}\n{addressee:label}: {addressee}\n{position:label}: {position}',
    },
  },
};
