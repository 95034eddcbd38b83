/** The shipped formats in English. */
import type { LanguagePack } from './pack.js';

export const en: LanguagePack = {
  lang: 'en',
  designations: { vessel: 'Vessel', aircraft: 'Aircraft', submarine: 'Submarine', unit: 'Unit', other: 'Other' },
  formats: {
    'launch-notification': {
      title: 'Launch notification',
      fields: { launch_type: 'Type of launch', vehicle: 'Vehicle', window_start: 'Launch window opens', window_end: 'Launch window closes', launch_area: 'Launch area', impact_area: 'Impact area', remarks: 'Remarks' },
      values: { launch_type: { 'ballistic-missile': 'Ballistic missile launch', 'space-launch': 'Space launch' } },
    },
    'unplanned-encounter': {
      title: 'Unplanned encounter report',
      fields: { time: 'Time of encounter', own_unit: 'Our unit', own_position: 'Our position', other_unit: 'Other unit', other_position: 'Other unit position', closest_approach: 'Closest point of approach', actions_taken: 'Actions taken', request: 'Request' },
      values: { request: { none: 'No request', intentions: 'State your intentions', 'increase-distance': 'Increase your distance', 'cease-activity': 'Cease the activity', call: 'Request a call' } },
    },
    'exercise-notice': {
      title: 'Notice of military activity or exercise',
      fields: { name: 'Name of the activity', area: 'Area', start: 'Start', end: 'End', scale: 'Scale', personnel: 'Personnel', aircraft: 'Aircraft', vessels: 'Vessels', remarks: 'Remarks' },
      values: { scale: { small: 'Small', medium: 'Medium', large: 'Large (major military activity)' } },
    },
    'incident-report': {
      title: 'Incident report',
      fields: { what: 'Incident', time: 'Time', position: 'Position', description: 'Description', casualties: 'Casualties', assistance: 'Assistance needed' },
      values: {
        what: { collision: 'Collision', accident: 'Accident', explosion: 'Explosion', 'stray-munition': 'Stray munition', 'border-incident': 'Border incident', 'aircraft-down': 'Aircraft down', other: 'Other' },
        assistance: { none: 'None', medical: 'Medical', 'search-and-rescue': 'Search and rescue', technical: 'Technical', other: 'Other' },
      },
    },
    'safety-notice': {
      title: 'Airspace or maritime safety notice',
      fields: { domain: 'Domain', hazard: 'Hazard', area: 'Area', start: 'From', end: 'Until', upper_limit: 'Upper limit', remarks: 'Remarks' },
      values: {
        domain: { airspace: 'Airspace', maritime: 'Maritime' },
        hazard: { firing: 'Live firing', missile: 'Missile activity', 'space-debris': 'Space debris', exercise: 'Exercise', navigation: 'Hazard to navigation', other: 'Other' },
      },
    },
    'sar-request': {
      title: 'Search and rescue request',
      fields: { nature: 'Nature of distress', time: 'Time', position: 'Last known position', distressed: 'Vessel or aircraft in distress', persons: 'Persons on board', assistance: 'Assistance requested' },
      values: { nature: { sinking: 'Sinking', 'ditched-aircraft': 'Aircraft ditched', fire: 'Fire', medical: 'Medical emergency', missing: 'Missing', other: 'Other' } },
    },
    'call-request': {
      title: 'Request for a call',
      fields: { level: 'Level', medium: 'Call or video', proposed_time: 'Proposed time', within: 'Within', topic: 'Topic' },
      values: {
        level: { leaders: 'Leaders', ministerial: 'Ministers', military: 'Military commanders', working: 'Working level', technical: 'Technical' },
        medium: { voice: 'Voice call', video: 'Video link' },
      },
    },
    'cyber-incident': {
      title: 'Cyber incident notification',
      fields: { tlp: 'Traffic Light Protocol', detected: 'Detected', sectors: 'Affected sectors', indicators: 'Indicators', summary: 'Summary', assistance: 'Assistance requested' },
      values: {
        tlp: { CLEAR: 'TLP:CLEAR', GREEN: 'TLP:GREEN', AMBER: 'TLP:AMBER', 'AMBER+STRICT': 'TLP:AMBER+STRICT', RED: 'TLP:RED' },
        sectors: { energy: 'Energy', water: 'Water', health: 'Health', finance: 'Finance', transport: 'Transport', telecom: 'Telecommunications', government: 'Government', defence: 'Defence', space: 'Space', other: 'Other' },
        assistance: { none: 'None', information: 'Information', mitigation: 'Help with mitigation', takedown: 'Takedown of infrastructure', other: 'Other' },
      },
    },
    'standard-phrase': {
      title: 'Standard phrase',
      fields: { phrase: 'Phrase', addressee: 'To', position: 'Position' },
      values: {
        phrase: {
          'request-intentions': 'Request your intentions.',
          manoeuvring: 'I am manoeuvring.',
          'pass-astern': 'I intend to pass astern of you.',
          'pass-ahead': 'I intend to pass ahead of you.',
          'flight-operations': 'I am conducting flight operations.',
          'keep-clear': 'Keep clear of me.',
          'altering-starboard': 'I am altering my course to starboard.',
          'altering-port': 'I am altering my course to port.',
          'reducing-speed': 'I am reducing speed.',
          stopping: 'I am stopping.',
          'not-under-command': 'I am not under command.',
          'restricted-manoeuvrability': 'My ability to manoeuvre is restricted.',
          'gunnery-exercise': 'I am conducting a gunnery exercise.',
          'submarine-operations': 'I am conducting submarine operations.',
          understood: 'Understood.',
          'not-understood': 'I do not understand.',
          'say-again': 'Say again.',
          'intend-to-overtake': 'I intend to overtake you.',
          'no-hostile-intent': 'I have no hostile intent.',
          'request-call': 'I request a call at the agreed level.',
        },
      },
      template: '{phrase}\n{addressee:label}: {addressee}\n{position:label}: {position}',
    },
  },
};
