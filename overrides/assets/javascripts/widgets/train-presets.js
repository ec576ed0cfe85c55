// Example sets for <train-classifier>, written for this site (CC0). One example per line,
// "label: text", so the reader can edit them in the text box as they are.
export const PRESETS = {
  "Spam or not": `spam: You have won a 500 pound voucher, reply YES to claim it now
spam: URGENT your account is locked, verify your details at secure-check.co
spam: Cheap meds without prescription, fast discreet delivery
spam: Congratulations! You were chosen for a free cruise, call now
spam: Earn 3000 a week working from home, no experience needed
spam: Final notice: your car warranty expires today, press 1 to renew
spam: Hot singles in your area want to meet you tonight
spam: Your tax refund of 248.60 is waiting, click the link to receive it
spam: Limited offer: buy one get three free, only today, text STOP to opt out
spam: We tried to deliver your package, pay the small customs fee here
spam: Invest 100 today and get 1000 back by Friday, guaranteed returns
spam: Claim your prize before midnight, only 3 winners left
ham: Are we still on for lunch tomorrow at the usual place?
ham: Can you pick up milk on your way home?
ham: The meeting moved to 3pm, same room
ham: Happy birthday! Hope you have a lovely day
ham: Running ten minutes late, sorry, start without me
ham: Did you finish the report draft? I can review it tonight
ham: Thanks for dinner yesterday, the soup was amazing
ham: The kids want to go to the park after school
ham: I left the keys under the mat for you
ham: Your dentist appointment is on Monday at 9:30
ham: Let me know when you land and I will pick you up
ham: Good luck with the exam, you will do great`,
  "Cooking or sport": `cooking: Fry the onions slowly until they turn golden and sweet
cooking: Add a pinch of salt to the pasta water before it boils
cooking: Knead the dough for ten minutes, then let it rise
cooking: Roast the vegetables at 200 degrees for forty minutes
cooking: Whisk the eggs with sugar until pale and fluffy
cooking: Season the soup with pepper and fresh herbs
cooking: Let the steak rest before you slice it
cooking: Simmer the tomato sauce for an hour to deepen the flavour
cooking: Grate some cheese over the risotto just before serving
cooking: Marinate the chicken overnight in yoghurt and spices
sport: The striker scored twice in the second half
sport: She won the marathon in under two and a half hours
sport: The team trains every morning before the season starts
sport: He served three aces in the final set
sport: The goalkeeper saved a penalty in the last minute
sport: Our cycling club rides eighty kilometres on Sundays
sport: The coach changed tactics after the first quarter
sport: The swimmer broke the national record in the relay
sport: Fans filled the stadium for the derby
sport: They lost the match on a late free kick`,
  "Write your own": `happy: What a wonderful surprise, thank you so much
happy: I finally got the job, I am over the moon
sad: I miss my old friends so much
sad: The rain ruined our whole weekend`,
};
